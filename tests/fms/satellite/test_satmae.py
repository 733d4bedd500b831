"""The SatMAE family of GeoFM: a tiny timm ViT with random weights saved in SatMAE's MAE
checkpoint layout (encoder + decoder + mask token under "model", as SatMAE's pretraining saves
it), served over HTTP and loaded through the path a downloaded checkpoint takes (the download
helper, the weights-only unpickler, the decoder drop, strict loading); pos_embed resampling; a
run through the harness; refusals of the multispectral model and of foreign keys."""
from __future__ import annotations

import argparse
import functools
import http.server
import os
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from sfmbench import RunContext
from sfmbench.catalog import create_task
from sfmbench.errors import ConfigError, PluginError
from sfmbench.fms.satellite.geo import FAMILIES, GeoFM
from sfmbench.fms.satellite.satmae import (DECODER_KEYS, DECODER_PREFIXES, FMOW_PRETRAIN_URL,
                                           satmae_state)

from .geofm_runs import TINY_BAND_MAP, run_geofm

ARCH = "vit_large_patch16_224"
TINY = {"img_size": 32, "embed_dim": 48, "depth": 2, "num_heads": 3}
DECODER_DIM, DECODER_DEPTH, DECODER_HEADS = 32, 2, 4
RGB = ["B4", "B3", "B2"]


def satmae_checkpoint(seed: int = 0, img_size: int = 32) -> tuple[dict[str, Any], nn.Module]:
    """A tiny SatMAE MAE pretrain checkpoint and the timm ViT holding its encoder weights.

    Layout from sustainlab-group/SatMAE: ``models_mae.py`` ``MaskedAutoencoderViT`` (encoder:
    timm ``PatchEmbed`` + ``cls_token`` + fixed ``pos_embed`` + timm ``Block`` s + ``norm``;
    decoder: ``decoder_embed`` Linear, ``mask_token``, fixed ``decoder_pos_embed``,
    ``decoder_blocks`` of timm ``Block``, ``decoder_norm``, ``decoder_pred`` Linear to
    patch**2 * in_chans), saved by ``util/misc.py`` ``save_model`` as
    ``{"model", "optimizer", "epoch", "scaler", "args"}``."""
    from timm.models.vision_transformer import Block

    torch.manual_seed(seed)
    encoder = FAMILIES["satmae"].build(ARCH, 3, {**TINY, "img_size": img_size})
    n = encoder.patch_embed.num_patches
    norm = partial(nn.LayerNorm, eps=1e-6)
    decoder = nn.Module()
    decoder.decoder_embed = nn.Linear(TINY["embed_dim"], DECODER_DIM)
    decoder.mask_token = nn.Parameter(torch.randn(1, 1, DECODER_DIM))
    decoder.decoder_pos_embed = nn.Parameter(torch.randn(1, n + 1, DECODER_DIM),
                                             requires_grad=False)
    decoder.decoder_blocks = nn.ModuleList([Block(DECODER_DIM, DECODER_HEADS, 4.0, qkv_bias=True,
                                                  norm_layer=norm)
                                            for _ in range(DECODER_DEPTH)])
    decoder.decoder_norm = norm(DECODER_DIM)
    decoder.decoder_pred = nn.Linear(DECODER_DIM, 16 ** 2 * 3)
    model = {**encoder.state_dict(), **decoder.state_dict()}
    args = argparse.Namespace(model="mae_vit_large_patch16", model_type=None, input_size=img_size,
                              patch_size=16, mask_ratio=0.75, norm_pix_loss=False,
                              dataset_type="rgb", grouped_bands=[], output_dir="./output_dir")
    return {"model": model, "optimizer": {"state": {}, "param_groups": [{"lr": 1e-4,
                                                                         "params": [0]}]},
            "epoch": 799, "scaler": {"scale": 65536.0, "growth_factor": 2.0}, "args": args}, encoder


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path, Any]]:
    """The tiny checkpoint on a local HTTP server (as Zenodo serves it); the data cache in
    ``tmp_path``."""
    folder = tmp_path / "served"
    folder.mkdir()
    checkpoint, encoder = satmae_checkpoint(seed=1)
    torch.save(checkpoint, folder / "fmow_tiny.pth")
    monkeypatch.setenv("SFMBENCH_DATA", str(tmp_path / "cache"))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/fmow_tiny.pth", folder, encoder
    finally:
        server.shutdown()


def _spec(bands: list[str]) -> Any:
    from dataclasses import replace
    spec = create_task("generated/sat-cls-tiny").spec
    return replace(spec, input_shape=(len(bands), *spec.input_shape[1:]),
                   extra={**spec.extra, "bands": bands})


def _method(model_id: str, spec: Any, **params: Any) -> GeoFM:
    p = {"model_id": model_id, "weights_file": "fmow_tiny.pth", "family": "satmae",
         "arch": ARCH, "arch_kwargs": dict(TINY), "bands": RGB, "input_size": 32, **params}
    return GeoFM(spec, p, RunContext(device="cpu", show_progress=False, storage_url=None,
                                     study_prefix="geo-satmae"))


def test_checkpoint_layout_has_the_mae_decoder():
    checkpoint, encoder = satmae_checkpoint()
    keys = set(checkpoint["model"])
    decoder = {k for k in keys if k in DECODER_KEYS or k.startswith(DECODER_PREFIXES)}
    assert {"mask_token", "decoder_pos_embed", "decoder_embed.weight", "decoder_norm.weight",
            "decoder_pred.weight", "decoder_blocks.1.attn.qkv.weight"} <= decoder
    assert keys - decoder == set(encoder.state_dict())      # the rest is exactly timm's ViT
    # strict: after the decoder is dropped, every key of the timm ViT and nothing else
    fresh = FAMILIES["satmae"].build(ARCH, 3, dict(TINY))
    fresh.load_state_dict(satmae_state(checkpoint, fresh), strict=True)


def test_loads_from_a_url_strictly_and_embeds(served, one_torch_thread):
    url, _, reference = served
    method = _method(url, _spec(["B02", "B03", "B04", "B08"]))
    encoder = method.load_encoder().eval()
    cached = Path(os.environ["SFMBENCH_DATA"]) / "models/satmae/fmow_tiny.pth"
    assert cached.is_file()                                  # downloaded through sfmbench.download
    loaded = encoder.backbone.state_dict()
    assert set(loaded) == set(reference.state_dict())
    for key, value in reference.state_dict().items():
        assert torch.equal(loaded[key], value), key
    x = torch.randn(2, 4, 16, 16)
    with torch.no_grad():
        features = encoder(x)
        expected = reference.eval()(encoder.prepare(x))
    assert features.shape == (2, TINY["embed_dim"]) and torch.allclose(features, expected)
    # the task's B4, B3, B2 feed the model's RGB channels, in the model's order
    assert method.band_mapping()[0] == [2, 1, 0]


def test_a_local_file_and_another_input_size(served, one_torch_thread):
    """model_id may be the .pth file itself; at 64 px pos_embed is resampled to the 4 x 4 patch
    grid with timm's helper."""
    from timm.layers import resample_abs_pos_embed

    _, folder, reference = served
    method = _method(str(folder / "fmow_tiny.pth"), _spec(RGB), input_size=64,
                     arch_kwargs={**TINY, "img_size": 64})
    encoder = method.load_encoder().eval()
    pos = encoder.backbone.pos_embed
    assert pos.shape == (1, 1 + 16, TINY["embed_dim"])
    want = resample_abs_pos_embed(reference.pos_embed.detach(), new_size=[4, 4], old_size=[2, 2],
                                  num_prefix_tokens=1)
    assert torch.allclose(pos, want)
    with torch.no_grad():
        assert encoder(torch.randn(2, 3, 64, 64)).shape == (2, TINY["embed_dim"])


def test_refuses_group_channel_and_foreign_checkpoints(tmp_path):
    checkpoint, _ = satmae_checkpoint()
    checkpoint["model"]["channel_embed"] = torch.zeros(1, 3, 16)   # models_vit_group_channels
    torch.save(checkpoint, tmp_path / "fmow_tiny.pth")
    with pytest.raises(ConfigError, match="group-channel"):
        _method(str(tmp_path / "fmow_tiny.pth"), _spec(RGB)).load_encoder()
    checkpoint, _ = satmae_checkpoint()
    checkpoint["model"]["extra_head.weight"] = torch.zeros(1)
    torch.save(checkpoint, tmp_path / "fmow_tiny.pth")
    with pytest.raises(PluginError, match="unexpected"):
        _method(str(tmp_path / "fmow_tiny.pth"), _spec(RGB)).load_encoder()


def test_satmae_classifies_through_the_harness(tmp_path, served, one_torch_thread):
    url, _, _ = served
    params = {"model_id": url, "weights_file": "fmow_tiny.pth", "family": "satmae",
              "arch": ARCH, "arch_kwargs": dict(TINY), "bands": RGB, "input_size": 32,
              "recipe": "frozen", "band_map": TINY_BAND_MAP}
    row = run_geofm(tmp_path, "generated/sat-cls-tiny", params)
    assert row.status == "ok", row.error
    preds = np.load(row.predictions_path)
    assert preds.shape == (48, 4) and np.allclose(preds.sum(1), 1, atol=1e-5)
    assert row.kind == "fm" and row.params_trainable < row.params_total


def test_model_yaml_names_the_published_checkpoint_and_a_fitting_vit():
    """The YAML's URL is the README's; timm's vit_large_patch16_224 has the documented
    encoder of the MAE pretrain (built on the meta device: no memory, no weights)."""
    import timm

    from sfmbench.config import model_config

    params = model_config("satmae-large-rgb").params
    assert params["model_id"] == FMOW_PRETRAIN_URL and params["family"] == "satmae"
    assert params["arch"] == ARCH and params["bands"] == RGB
    with torch.device("meta"):
        vit = timm.create_model(ARCH, pretrained=False, num_classes=0, in_chans=3)
    state = vit.state_dict()
    assert state["pos_embed"].shape == (1, 1 + 14 * 14, 1024)
    assert state["patch_embed.proj.weight"].shape == (1024, 3, 16, 16)
    assert state["blocks.23.attn.qkv.bias"].shape == (3 * 1024,)
    assert state["blocks.0.mlp.fc1.weight"].shape == (4 * 1024, 1024)
    assert not any(k.startswith(("head", "fc_norm", "blocks.24")) for k in state)
    assert vit.blocks[0].norm1.eps == 1e-6

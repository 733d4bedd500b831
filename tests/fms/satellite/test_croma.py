"""The CROMA family of GeoFM: a tiny CROMA with random weights saved in the published per-part
layout (torchgeo's ``CROMABase_Weights`` file: one state dict per encoder), loaded back through
the path a downloaded checkpoint takes; its features agree with torchgeo's own CROMA loaded by
torchgeo's ``load_weights``; band mapping, input sizes, refusals, and a run through the harness."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from sfmbench import RunContext
from sfmbench.catalog import create_task
from sfmbench.errors import ConfigError, DataError, PluginError
from sfmbench.fms.satellite.geo import GeoFM

from .geofm_runs import TINY_BAND_MAP, run_geofm

S2_12 = ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B11", "B12"]
TINY = {"encoder_dim": 32, "encoder_depth": 2, "image_size": 32}   # 16 heads (CROMA's fixed)
PARTS = ("s1_encoder", "s1_GAP_FFN", "s2_encoder", "s2_GAP_FFN", "joint_encoder")


def write_croma(folder, seed: int = 0):
    """A tiny radar-optical CROMA saved as torchgeo publishes it: {part: state dict}."""
    from torchgeo.models.croma import CROMA
    torch.manual_seed(seed)
    full = CROMA(modalities=["sar", "optical"], **TINY)
    folder.mkdir(parents=True, exist_ok=True)
    torch.save({p: getattr(full, p).state_dict() for p in PARTS}, folder / "CROMA_tiny.pt")
    return folder


def torchgeo_croma(folder, modality: str, image_size: int):
    """torchgeo's CROMA for one modality, loaded by torchgeo's own ``load_weights``."""
    from torchgeo.models.croma import CROMA, load_weights

    class Local:   # a WeightsEnum stand-in serving the local file
        def get_state_dict(self, progress: bool = True):
            return torch.load(folder / "CROMA_tiny.pt", weights_only=True)

    model = CROMA(modalities=[modality], **{**TINY, "image_size": image_size})
    load_weights(model, Local())
    return model.eval()


def _spec(bands, task="generated/sat-cls-tiny"):
    spec = create_task(task).spec
    return replace(spec, input_shape=(len(bands), *spec.input_shape[1:]),
                   extra={**spec.extra, "bands": bands})


def _method(folder, spec, **params):
    p = {"model_id": str(folder), "weights_file": "CROMA_tiny.pt", "family": "croma",
         "arch": "croma_base", "arch_kwargs": dict(TINY), "bands": S2_12, "input_size": 32,
         **params}
    return GeoFM(spec, p, RunContext(device="cpu", show_progress=False, storage_url=None,
                                     study_prefix="geo-croma"))


@pytest.mark.parametrize("size", [32, 16])
def test_optical_encoder_matches_torchgeo(tmp_path, size, one_torch_thread):
    folder = write_croma(tmp_path / "croma", seed=3)
    # a 13-band task: CROMA takes 12 of them (no cirrus B10), in its own order
    task_bands = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10",
                  "B11", "B12"]
    method = _method(folder, _spec(task_bands), input_size=size)
    index, _ = method.band_mapping()
    assert index == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12]
    encoder = method.load_encoder().eval()
    x = torch.randn(2, 13, 16, 16)
    with torch.no_grad():
        ours = encoder(x)
        maps = encoder.feature_maps(x)
        ref = torchgeo_croma(folder, "optical", size)(x_optical=encoder.prepare(x))
    assert ours.shape == (2, 32) and torch.allclose(ours, ref["optical_GAP"], atol=1e-5)
    assert maps[0].shape == (2, 32, size // 8, size // 8)
    tokens = maps[0].flatten(2).transpose(1, 2)
    assert torch.allclose(tokens, ref["optical_encodings"], atol=1e-5)


def test_radar_encoder_takes_vv_vh(tmp_path, one_torch_thread):
    folder = write_croma(tmp_path / "croma", seed=4)
    method = _method(folder, _spec(["VH", "B04", "VV"]), bands=["VV", "VH"],
                     arch_kwargs={**TINY, "modality": "sar"})
    assert method.band_mapping()[0] == [2, 0]
    encoder = method.load_encoder().eval()
    assert not hasattr(encoder.backbone, "s2_encoder")      # only the radar part is built
    x = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        ref = torchgeo_croma(folder, "sar", 32)(x_sar=encoder.prepare(x))["sar_GAP"]
        assert torch.allclose(encoder(x), ref, atol=1e-5)


def test_croma_refusals(tmp_path):
    folder = write_croma(tmp_path / "croma")
    with pytest.raises(ConfigError, match="takes 12 bands"):
        _method(folder, _spec(S2_12), bands=S2_12 + ["B10"]).load_encoder()
    with pytest.raises(ConfigError, match="optical or sar"):
        _method(folder, _spec(S2_12), arch_kwargs={**TINY, "modality": "joint"}).load_encoder()
    encoder = _method(folder, _spec(S2_12), input_size=20).load_encoder()
    with pytest.raises(DataError, match="multiple of 8"):
        encoder(torch.randn(1, 12, 16, 16))
    state = torch.load(folder / "CROMA_tiny.pt", weights_only=True)
    state["s2_encoder"]["extra.weight"] = torch.zeros(1)
    torch.save(state, folder / "CROMA_tiny.pt")
    with pytest.raises(PluginError, match="unexpected"):
        _method(folder, _spec(S2_12)).load_encoder()


@pytest.mark.parametrize("recipe", ["frozen", "lora"])
def test_croma_classifies_through_the_harness(tmp_path, recipe, one_torch_thread):
    folder = write_croma(tmp_path / "croma")
    params = {"model_id": str(folder), "weights_file": "CROMA_tiny.pt", "family": "croma",
              "arch": "croma_base", "arch_kwargs": dict(TINY), "bands": S2_12,
              "input_size": 32, "recipe": recipe,
              "band_map": TINY_BAND_MAP}
    row = run_geofm(tmp_path, "generated/sat-cls-tiny", params)
    assert row.status == "ok", row.error
    preds = np.load(row.predictions_path)
    assert preds.shape == (48, 4) and np.allclose(preds.sum(1), 1, atol=1e-5)
    assert row.hyperparameters["recipe"] == recipe
    assert 0 < row.params_trainable < row.params_total


def test_model_yamls_name_published_croma_weights():
    from sfmbench.config import model_config
    from torchgeo.models.croma import CROMABase_Weights, CROMALarge_Weights

    for name, weights in (("croma-base-s2", CROMABase_Weights.CROMA_VIT),
                          ("croma-large-s2", CROMALarge_Weights.CROMA_VIT)):
        params = model_config(name).params
        assert params["family"] == "croma" and params["bands"] == S2_12
        url = weights.url
        assert f"{params['model_id']}/resolve/{params['revision']}/{params['weights_file']}" \
            in url, (name, url)

"""The architecture families of :class:`~sfmbench.fms.satellite.geo.GeoFM`: how to build each
with random weights (its published checkpoint is then loaded into it), which checkpoint keys may
be missing, its pretraining input size and its LoRA target layers. Heavy imports (timm,
torchvision, torchgeo) happen inside the builders."""
from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torch import nn


@dataclass(frozen=True)
class Family:
    """How to build one architecture family with random weights, and read its features."""

    build: Callable[[str, int, dict[str, Any]], nn.Module]   # (arch, in_chans, kwargs)
    head_keys: frozenset[str] = frozenset()                   # may be missing from a checkpoint
    default_size: int | None = None
    wavelengths: bool = False                                 # forward(x, wavelengths)
    lora_targets: tuple[str, ...] = ("qkv", "proj", "fc1", "fc2")
    #: (checkpoint state, model) -> the state dict to load (CROMA: flatten its per-part dicts)
    convert: Callable[[dict[str, Any], nn.Module], dict[str, Any]] | None = None
    #: (model_id, weights_file, progress) -> the checkpoint file when model_id is a URL or a
    #: file (SatMAE, published on Zenodo), None to look in a hub repo / folder as usual
    locate: Callable[[str, str, bool], Path | None] | None = None
    #: plain-data classes the checkpoint may hold besides tensors (torch weights-only loading)
    safe_globals: tuple[type, ...] = ()


def _timm(arch: str, in_chans: int, kwargs: dict[str, Any]) -> nn.Module:
    import timm
    return timm.create_model(arch, pretrained=False, in_chans=in_chans, num_classes=0, **kwargs)


def _swin(arch: str, in_chans: int, kwargs: dict[str, Any]) -> nn.Module:
    """torchvision's Swin v2 (``arch``); ``kwargs`` override its size (e.g. a tiny test net)."""
    import torchvision
    from torchvision.models import swin_transformer as st
    if kwargs:
        config = {"patch_size": [4, 4], "embed_dim": 128, "depths": [2, 2, 18, 2],
                  "num_heads": [4, 8, 16, 32], "window_size": [8, 8],
                  "stochastic_depth_prob": 0.5, "block": st.SwinTransformerBlockV2,
                  "downsample_layer": st.PatchMergingV2}
        model = st.SwinTransformer(**{**config, **kwargs})
    else:
        model = getattr(torchvision.models, arch)(weights=None)
    out = model.features[0][0].out_channels
    model.features[0][0] = nn.Conv2d(in_chans, out, kernel_size=(4, 4), stride=(4, 4))
    return model


def _scalemae(arch: str, in_chans: int, kwargs: dict[str, Any]) -> nn.Module:
    from functools import partial

    from torchgeo.models.scale_mae import ScaleMAE
    base = {"patch_size": 16, "embed_dim": 1024, "depth": 24, "num_heads": 16, "mlp_ratio": 4,
            "qkv_bias": True, "norm_layer": partial(nn.LayerNorm, eps=1e-6)}
    return ScaleMAE(**{**base, "in_chans": in_chans, "num_classes": 0, **kwargs})


def _dofa(arch: str, in_chans: int, kwargs: dict[str, Any]) -> nn.Module:
    from torchgeo.models.dofa import DOFA
    base = {"patch_size": 16, "embed_dim": 768, "depth": 12, "num_heads": 12}
    return DOFA(**{**base, **kwargs})


def _croma(arch: str, in_chans: int, kwargs: dict[str, Any]) -> nn.Module:
    from .croma import build_croma
    return build_croma(arch, in_chans, kwargs)


def _croma_state(state: dict[str, Any], model: nn.Module) -> dict[str, Any]:
    from .croma import croma_state
    return croma_state(state, model)


def _satmae_state(state: dict[str, Any], model: nn.Module) -> dict[str, Any]:
    from .satmae import satmae_state
    return satmae_state(state, model)


def _satmae_locate(model_id: str, weights_file: str, progress: bool) -> Path | None:
    from .satmae import locate_checkpoint
    return locate_checkpoint(model_id, weights_file, progress)


FAMILIES: dict[str, Family] = {
    "resnet": Family(_timm, frozenset({"fc.weight", "fc.bias"}), None,
                     lora_targets=("conv1", "conv2", "conv3")),
    "vit": Family(_timm, frozenset({"head.weight", "head.bias"}), 224),
    "swin": Family(_swin, frozenset(), 256, lora_targets=("qkv", "proj", "0", "3")),
    "scalemae": Family(_scalemae, frozenset({"head.weight", "head.bias"}), 224),
    "dofa": Family(_dofa, frozenset({"fc_norm.weight", "fc_norm.bias", "head.weight",
                                     "head.bias"}), 224, wavelengths=True),
    "croma": Family(_croma, frozenset({"attn_bias"}), 120, lora_targets=("to_qkv", "to_out"),
                    convert=_croma_state),
    # SatMAE fMoW-RGB MAE pretrain in timm's ViT-L/16, loaded strictly once the MAE decoder is
    # dropped (:mod:`.satmae`). The multispectral (group-channel) and temporal SatMAE models are
    # not timm ViTs (per-group patch embeddings, channel / time encodings): not supported.
    "satmae": Family(_timm, frozenset(), 224, convert=_satmae_state, locate=_satmae_locate,
                     safe_globals=(argparse.Namespace,)),   # the checkpoint's "args"
}


__all__ = ["FAMILIES", "Family"]

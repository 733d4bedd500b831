"""CROMA (Fuller et al., NeurIPS 2023) as a single-encoder GeoFM family, over torchgeo's CROMA.

The published checkpoints (torchgeo ``CROMABase_Weights.CROMA_VIT`` /
``CROMALarge_Weights.CROMA_VIT``, hub repo ``torchgeo/croma``) hold one state dict per part:
``s2_encoder`` + ``s2_GAP_FFN`` (optical: 12 Sentinel-2 L1C bands, the 13 SSL4EO-S12 bands
without the cirrus band B10), ``s1_encoder`` + ``s1_GAP_FFN`` (radar: 2 Sentinel-1 bands, VV and
VH) and ``joint_encoder`` (radar-optical cross-attention). The adapter uses ONE encoder: the
optical one (``arch_kwargs.modality: optical``, the default) or the radar one
(``modality: sar``); the parts of the other modality and the joint encoder are not loaded (the
joint encoder needs a radar and an optical image of each scene, which no single-image task has).

Features: the encoder's pooled output after its GAP-FFN (``optical_GAP``/``sar_GAP``, what
CROMA's linear probes use) for classification; the patch encodings (one per 8 x 8 pixels) as a
feature map for segmentation. Positions are CROMA's 2-D ALiBi attention bias, computed for the
input's patch grid: any square input whose side is a multiple of 8 works (pretraining: 120 px).
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torchgeo.models.croma import CROMA, get_2dalibi

from sfmbench.errors import ConfigError, DataError

#: modality -> (input channels, the checkpoint parts it uses)
MODALITIES: dict[str, tuple[int, tuple[str, str]]] = {
    "optical": (12, ("s2_encoder", "s2_GAP_FFN")),
    "sar": (2, ("s1_encoder", "s1_GAP_FFN")),
}
#: every part of a published CROMA checkpoint
PARTS = frozenset({"s1_encoder", "s1_GAP_FFN", "s2_encoder", "s2_GAP_FFN", "joint_encoder"})
#: arch -> the encoder size of torchgeo's croma_base / croma_large
ARCHS: dict[str, dict[str, int]] = {
    "croma_base": {"encoder_dim": 768, "encoder_depth": 12},
    "croma_large": {"encoder_dim": 1024, "encoder_depth": 24},
}


class CromaEncoder(CROMA):   # type: ignore[misc]
    """One CROMA encoder: (B, C, H, W) -> pooled features, or a (B, D, H/8, W/8) map."""

    def __init__(self, modality: str, **kwargs: Any) -> None:
        super().__init__(modalities=[modality], **kwargs)
        self.modality = modality
        self._alibi: dict[tuple[int, str], torch.Tensor] = {}

    def alibi(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        if h != w or h % 8:
            raise DataError(f"CROMA needs square inputs whose side is a multiple of 8, got "
                            f"{h} x {w}", "set model.input_size (e.g. 120, CROMA's "
                            "pretraining size)")
        n = (h // 8) ** 2
        if n == self.num_patches:
            return self.attn_bias
        key = (n, str(x.device))
        if key not in self._alibi:
            self._alibi[key] = get_2dalibi(self.num_heads, n).to(x.device)
        return self._alibi[key]

    def tokens(self, x: torch.Tensor) -> torch.Tensor:
        encoder = self.s2_encoder if self.modality == "optical" else self.s1_encoder
        return encoder(imgs=x, attn_bias=self.alibi(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:   # type: ignore[override]
        ffn = self.s2_GAP_FFN if self.modality == "optical" else self.s1_GAP_FFN
        return ffn(self.tokens(x).mean(dim=1))

    def feature_map(self, x: torch.Tensor) -> torch.Tensor:
        t = self.tokens(x)
        side = x.shape[-1] // 8
        return t.transpose(1, 2).reshape(t.shape[0], t.shape[2], -1, side)


def build_croma(arch: str, in_chans: int, kwargs: dict[str, Any]) -> nn.Module:
    """torchgeo's CROMA with one encoder; ``kwargs``: ``modality`` (optical | sar) and CROMA's
    size arguments (``encoder_dim``, ``encoder_depth``, ``image_size``; a tiny test net)."""
    if arch not in ARCHS:
        raise ConfigError(f"unknown CROMA arch {arch!r}", f"use one of: {', '.join(ARCHS)}")
    kw = {**ARCHS[arch], **kwargs}
    modality = str(kw.pop("modality", "optical"))
    if modality not in MODALITIES:
        raise ConfigError(f"CROMA modality must be optical or sar, got {modality!r}")
    channels = MODALITIES[modality][0]
    if in_chans != channels:
        raise ConfigError(f"CROMA's {modality} encoder takes {channels} bands; the model YAML "
                          f"lists {in_chans}", "optical: the 13 Sentinel-2 bands without B10; "
                          "sar: [VV, VH] with arch_kwargs.modality=sar")
    return CromaEncoder(modality, **kw)


def croma_state(state: dict[str, Any], model: nn.Module) -> dict[str, Any]:
    """The published per-part checkpoint as one flat state dict of ``model``'s parts: nested
    parts are flattened (``s2_encoder`` -> ``s2_encoder.*``), parts ``model`` does not build (the
    other modality, the joint encoder) are dropped; anything else is kept (and then refused as
    unexpected by :func:`~sfmbench.fms.satellite.geo.load_state` if it does not fit)."""
    built = {name for name, _ in model.named_children()}
    flat: dict[str, Any] = {}
    for key, value in state.items():
        part = key.split(".", 1)[0]
        if part in PARTS and part not in built:
            continue
        if isinstance(value, dict):
            flat.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            flat[key] = value
    return flat


__all__ = ["ARCHS", "MODALITIES", "PARTS", "CromaEncoder", "build_croma", "croma_state"]

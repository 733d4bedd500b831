"""Satellite foundation models, registered lazily: Presto (pixel time series) and the image FMs
of torchgeo and timm (:mod:`.geo`). Checkpoints are picked by the model YAMLs."""
from __future__ import annotations

from typing import Any

#: registry name -> (import path, problem, description)
ADAPTERS: dict[str, tuple[str, str, str]] = {
    "presto": ("sfmbench.fms.satellite.presto:PrestoFM", "regression",
               "Presto (Tseng et al. 2023): pixel-time-series transformer, published weights; "
               "recipes frozen (linear or random-forest head on the encodings), full, lora"),
    "geofm": ("sfmbench.fms.satellite.geo:GeoFM", "classification",
              "remote-sensing image encoders over torchgeo weights and timm (SSL4EO-S12 "
              "ResNet/ViT MoCo, DINO, MAE; Satlas Swin; Scale-MAE; DOFA; CROMA); explicit band "
              "mapping; linear head, or a light decoder for segmentation (ResNet, ViT, Swin, "
              "CROMA); recipes frozen, full, lora"),
}


def register(registry: Any) -> None:
    """Register the satellite FM adapters (nothing heavy is imported here)."""
    for name, (target, problem, description) in ADAPTERS.items():
        registry.register(name, target, kind="fm", domain="satellite", problem=problem,
                          extra="satellite", description=description)


__all__ = ["ADAPTERS", "register"]

"""Plain supervised image references on standard timm encoders: a classifier (single- and
multi-label) and a segmentation UNet (``segmentation_models_pytorch``). Untuned: one fixed
recipe, trained for the budget's ``retrain_epochs``, best-on-validation epoch kept."""
from __future__ import annotations

_MOD = "sfmbench.baselines.satellite.reference"

#: registry name -> class (imported on first use)
ENTRIES: dict[str, str] = {
    "timm-classifier": f"{_MOD}:TimmClassifier",
    "smp-unet": f"{_MOD}:SmpUNet",
}

"""Plain supervised image references on standard timm encoders: a classifier (single- and
multi-label) and a segmentation UNet (``segmentation_models_pytorch``). Untuned: one fixed
recipe, trained for the budget's ``retrain_epochs``, best-on-validation epoch kept."""
from __future__ import annotations

from sfmbench.registry import Registry

_MOD = "sfmbench.baselines.satellite.reference"


def register(registry: Registry) -> None:
    registry.register("timm-classifier", f"{_MOD}:TimmClassifier", kind="baseline", tuned=False,
                      extra="satellite",
                      description="a timm image classifier (default resnet18, random init) "
                                  "trained on the task; fixed recipe")
    registry.register("smp-unet", f"{_MOD}:SmpUNet", kind="baseline", tuned=False,
                      extra="satellite",
                      description="segmentation_models_pytorch UNet on a timm encoder "
                                  "(default resnet18, random init); fixed recipe")

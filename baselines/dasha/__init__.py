"""DASHA (DASH architecture search + ASHA tuning) and its plain backbones.

Networks and the DASH mixture convolution live in :mod:`.networks` and :mod:`.mixture`; the
workflow in :mod:`.method`. Nothing heavy is imported here.
"""
from __future__ import annotations

from sfmbench.registry import Registry

_METHOD = "sfmbench.baselines.dasha.method"


def register(registry: Registry) -> None:
    registry.register("dasha", f"{_METHOD}:Dasha", kind="baseline", tuned=True,
                      description="DASH (kernel, dilation) search + ASHA hyperparameter search "
                                  "+ retraining of a 1-D ResNet / Wide-ResNet (Xu et al. 2025)")
    registry.register("resnet1d", f"{_METHOD}:ResNet1DBaseline", kind="baseline", tuned=False,
                      description="DASHA's 1-D ResNet, default kernels, fixed hyperparameters")
    registry.register("wrn", f"{_METHOD}:WRNBaseline", kind="baseline", tuned=False,
                      description="pre-activation Wide-ResNet, 3x3 kernels, fixed hyperparameters")

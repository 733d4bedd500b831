"""DASHA (DASH architecture search + ASHA tuning) and its plain backbones.

Networks and the DASH mixture convolution live in :mod:`.networks` and :mod:`.mixture`; the
workflow in :mod:`.method`. Nothing heavy is imported here.
"""
from __future__ import annotations

_METHOD = "sfmbench.baselines.dasha.method"

#: registry name -> class (imported on first use)
ENTRIES: dict[str, str] = {
    "dasha": f"{_METHOD}:Dasha",
    "resnet1d": f"{_METHOD}:ResNet1DBaseline",
    "wrn": f"{_METHOD}:WRNBaseline",
}

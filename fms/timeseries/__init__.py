"""Time-series foundation models (Chronos family, TimesFM), registered lazily."""
from __future__ import annotations

_PKG = "sfmbench.fms.timeseries"

#: registry name -> class (imported on first use); model YAMLs (conf/model/) pick checkpoints
ENTRIES: dict[str, str] = {
    "chronos": f"{_PKG}.chronos:Chronos",
    "timesfm": f"{_PKG}.timesfm:TimesFM",
}

"""Satellite foundation models, registered lazily: Presto (pixel time series) and the image FMs
of torchgeo and timm (:mod:`.geo`). Checkpoints are picked by the model YAMLs."""
from __future__ import annotations

_PKG = "sfmbench.fms.satellite"

#: registry name -> class (imported on first use); model YAMLs (conf/model/) pick checkpoints
ENTRIES: dict[str, str] = {
    "presto": f"{_PKG}.presto:PrestoFM",
    "geofm": f"{_PKG}.geo:GeoFM",
}

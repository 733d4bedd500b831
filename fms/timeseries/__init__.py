"""Time-series foundation models (Chronos family, TimesFM), registered lazily."""
from __future__ import annotations

from typing import Any

#: registry name -> (import path, description); model YAMLs (conf/model/) pick checkpoints
ADAPTERS: dict[str, tuple[str, str]] = {
    "chronos": ("sfmbench.fms.timeseries.chronos:Chronos",
                "Chronos / Chronos-Bolt / Chronos-2 (chronos-forecasting); model_id required"),
    "timesfm": ("sfmbench.fms.timeseries.timesfm:TimesFM",
                "TimesFM 2.5 torch (timesfm[torch]), zero-shot"),
}


def register(registry: Any) -> None:
    """Register the time-series FM adapters (nothing heavy is imported here)."""
    for name, (target, description) in ADAPTERS.items():
        registry.register(name, target, kind="fm", domain="timeseries", problem="forecasting",
                          extra="timeseries", description=description)

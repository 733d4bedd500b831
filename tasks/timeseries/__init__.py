"""Time-series forecasting tasks: the LTSF benchmark (``ltsf/<dataset>-<horizon>``) and
``ltsf/csv`` for a user's own file. Importing this package is cheap (no pandas or sklearn)."""
from __future__ import annotations

from sfmbench.registry import Registry

from .catalog import DATASETS, LTSFDataset

LTSF_TASK = "sfmbench.tasks.timeseries.ltsf:LTSFTask"
CSV_TASK = "sfmbench.tasks.timeseries.custom:CSVForecastTask"

__all__ = ["DATASETS", "LTSFDataset", "register"]


def register(registry: Registry) -> None:
    """Register every LTSF dataset x horizon, plus ``ltsf/csv``."""
    for d in DATASETS.values():
        for h in d.horizons:
            registry.register(f"ltsf/{d.name}-{h}", LTSF_TASK,
                              params={"dataset": d.name, "horizon": h}, domain="timeseries",
                              problem="forecasting",
                              description=f"{d.name}: {d.description}; horizon {h}")
    registry.register("ltsf/csv", CSV_TASK, params={}, domain="timeseries", problem="forecasting",
                      description="your own CSV (date column + numeric channels): set task.path "
                                  "and task.horizon")

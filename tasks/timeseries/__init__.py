"""Time-series forecasting tasks: the LTSF benchmark (``ltsf/<dataset>-<horizon>``) and
``ltsf/csv`` for a user's own file. Importing this package is cheap (no pandas or sklearn)."""
from __future__ import annotations

from sfmbench.task import TaskEntry

from .catalog import DATASETS, LTSFDataset

LTSF_TASK = "sfmbench.tasks.timeseries.ltsf:LTSFTask"
CSV_TASK = "sfmbench.tasks.timeseries.custom:CSVForecastTask"

__all__ = ["DATASETS", "ENTRIES", "LTSFDataset"]


#: every LTSF dataset x horizon, plus ``ltsf/csv``
ENTRIES: dict[str, TaskEntry] = {
    **{f"ltsf/{d.name}-{h}": TaskEntry(LTSF_TASK, {"dataset": d.name, "horizon": h},
                                       domain="timeseries", problem="forecasting",
                                       description=f"{d.name}: {d.description}; horizon {h}")
       for d in DATASETS.values() for h in d.horizons},
    "ltsf/csv": TaskEntry(CSV_TASK, domain="timeseries", problem="forecasting",
                          description="your own CSV (date column + numeric channels): set "
                                      "task.path and task.horizon"),
}

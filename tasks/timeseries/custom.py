"""``ltsf/csv``: forecasting on a user's own CSV with the LTSF conventions."""
from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

from sfmbench.data import TaskData
from sfmbench.errors import ConfigError, DataError
from sfmbench.specs import TaskSpec
from sfmbench.task import Task

from .ltsf import forecasting_spec
from .params import positive_int
from .splits import RatioSplit


class CSVForecastTask(Task):
    """Forecast every channel (or one ``target`` column) of the CSV at ``path``.

    The file needs a date column (``date_column``) and numeric value columns; rows are split
    chronologically by the ``split`` fractions (default 0.7/0.1/0.2). Time stamps must be
    strictly increasing unless ``strict_dates=false`` (then rows stay in file order, and what
    was let through is logged as a warning).
    """

    defaults: ClassVar[dict[str, Any]] = {"path": None, "horizon": None, "target": None,
                                        "date_column": "date", "split": (0.7, 0.1, 0.2),
                                        "lookback": 512, "strict_dates": True}

    def __init__(self, name: str, **params: Any) -> None:
        super().__init__(name, **params)
        if not self.params["path"]:
            raise ConfigError(f"task {name!r} needs the parameter 'path'",
                              "point it at your CSV, e.g. task.path=/data/my_series.csv")
        self.path = Path(str(self.params["path"])).expanduser()
        self.horizon = positive_int(name, "horizon", self.params["horizon"])
        self.lookback = positive_int(name, "lookback", self.params["lookback"])
        self.split = RatioSplit.parse(self.params["split"])
        self.target = self.params["target"] or None
        self.date_column = str(self.params["date_column"])
        from sfmbench.parsing import parse_bool
        self.strict_dates = parse_bool(self.params["strict_dates"], "task.strict_dates")

    @cached_property
    def _columns(self) -> list[str]:
        import pandas as pd

        if not self.path.is_file():
            raise DataError(f"no such file: {self.path}",
                            "check task.path; the file must exist and be readable")
        from .csvio import _require_text
        _require_text(self.path)
        try:
            return [str(c) for c in pd.read_csv(self.path, nrows=0).columns]
        except pd.errors.EmptyDataError:
            raise DataError(f"{self.path} is empty", "give a CSV with a header row (a date "
                            "column and value columns) and data rows") from None
        except (OSError, ValueError, UnicodeDecodeError) as exc:  # unreadable, not a CSV
            raise DataError(f"cannot read {self.path} as CSV ({type(exc).__name__})",
                            "check task.path: a readable comma-separated file") from None

    def identity(self) -> str | None:
        """``<file name>:<sha256 prefix>``: a changed file is a new job, never "stored"."""
        from sfmbench.download import content_identity
        return content_identity(self.path)

    @property
    def spec(self) -> TaskSpec:
        channels = 1 if self.target else max(1, len(self._columns) - 1)
        what = f"column {self.target!r}" if self.target else "every column"
        return forecasting_spec(
            self.name, domain="timeseries", lookback=self.lookback, horizon=self.horizon,
            channels=channels, splits=self.split.describe(), source=str(self.path),
            description=f"{what} of {self.path.name}; forecast {self.horizon} steps from "
                        f"{self.lookback}",
            extra={"file": str(self.path), "target": self.target})

    def load(self) -> TaskData:
        from .csvio import read_series_csv
        from .ltsf import report_quirks
        from .windows import build_task_data

        table = read_series_csv(self.path, self.date_column, self.target,
                                strict_dates=self.strict_dates)
        report_quirks(table, self.path.name)
        borders = self.split.borders(len(table.values))
        return build_task_data(table.values, borders, self.lookback, self.horizon, table.channels,
                               info={"file": str(self.path), "target": self.target})

"""Long-term forecasting (LTSF) tasks on the community CSVs, with the community conventions.

The canonical files load exactly as the standard loaders (TSLib, DASHA, Auto-AR) read them:
rows in file order, split by row index; the dates are not checked for order or repeats
(Weather's repeated time stamp stays, as in every published number). What a file holds beyond
plain values (repeated time stamps, -9999 sentinels) is said in ``sfmbench tasks show`` (the
catalog's ``quirks``) and in a warning when the file is loaded, never silently dropped or used.
"""
from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any, ClassVar

from sfmbench.data import TaskData
from sfmbench.download import ensure_file, verify
from sfmbench.errors import DataError
from sfmbench.specs import ProblemType, TaskSpec
from sfmbench.task import Task

from ..tables import find_dataset
from .catalog import CACHE_DIR, DATASETS, LTSFDataset
from .params import positive_int

log = logging.getLogger(__name__)


def report_quirks(table: "object", name: str) -> list[str]:
    """Warn about what a loaded series holds besides plain values (sentinels, repeated or
    unordered time stamps); returns the messages."""
    messages = [f"{name}: {note}" for note in getattr(table, "notes", ())]
    for channel, count in table.sentinels().items():  # type: ignore[attr-defined]
        messages.append(f"{name}: column {channel!r} holds the missing-value sentinel -9999 in "
                        f"{count} row(s); the values are used as they are in the file (as in "
                        "every published result on it), not filled")
    for message in messages:
        warnings.warn(message, UserWarning, stacklevel=3)
        log.warning(message)
    return messages

#: every forecasting task reports these, on the standardized scale; the first is primary
METRICS = ("mse", "mae")
PROTOCOL = ("val and test windows borrow one lookback of history from the previous split; "
            "StandardScaler fitted on train only; metrics on the standardized scale over every "
            "stride-1 test window (n_test - horizon + 1), channel and step")


def forecasting_spec(name: str, *, domain: str, lookback: int, horizon: int, channels: int,
                     splits: str, **kw: Any) -> TaskSpec:
    """The spec shared by every forecasting task (MSE primary, lower is better)."""
    return TaskSpec(name=name, domain=domain, problem=ProblemType.FORECASTING,
                    input_shape=(lookback, channels), primary_metric=METRICS[0],
                    higher_is_better=False, metrics=METRICS, horizon=horizon, lookback=lookback,
                    splits=f"{splits}; {PROTOCOL}", **kw)


class LTSFTask(Task):
    """One LTSF dataset at one horizon, e.g. ``ltsf/ETTh1-96``.

    The CSV is read from ``<SFMBENCH_DATA>/ltsf/<original file name>`` when present (checked
    against its sha256 where known), else downloaded there; ``path`` points at a copy elsewhere.
    """

    defaults: ClassVar[dict[str, Any]] = {"dataset": None, "horizon": None, "lookback": None,
                                        "path": None}

    def __init__(self, name: str, **params: Any) -> None:
        super().__init__(name, **params)
        self.dataset: LTSFDataset = find_dataset(DATASETS, self.params["dataset"],
                                                 f"LTSF dataset (task {name!r})")
        self.horizon = positive_int(name, "horizon", self.params["horizon"])
        lookback = self.params["lookback"]
        self.lookback = positive_int(name, "lookback",
                                     self.dataset.lookback if lookback is None else lookback)

    @property
    def spec(self) -> TaskSpec:
        d = self.dataset
        return forecasting_spec(
            self.name, domain="timeseries", lookback=self.lookback, horizon=self.horizon,
            channels=d.channels, splits=d.split.describe(), source=d.url, license=d.license,
            citation=d.citation,
            description=f"{d.name} ({d.description}), every {d.step}; forecast {self.horizon} "
                        f"steps from {self.lookback}"
                        + (f". The canonical file: {d.quirks}" if d.quirks else ""),
            extra={"dataset": d.name, "file": d.relpath, "sha256": d.sha256, "step": d.step,
                   "quirks": d.quirks or "none known", "lookback_note": d.lookback_note})

    def locate(self) -> Path:
        """The CSV to read: ``path`` if given, else the cached file (downloaded if missing)."""
        d = self.dataset
        if self.params["path"]:
            path = Path(self.params["path"]).expanduser()
            if not path.is_file():
                raise DataError(f"no such file: {path}",
                                f"check task.path, or leave it unset to use "
                                f"<SFMBENCH_DATA>/{CACHE_DIR}/{d.filename} (downloaded from "
                                f"{d.url})")
            verify(path, d.sha256, d.url)
            return path
        return ensure_file(d.relpath, d.url, d.sha256)

    def load(self) -> TaskData:
        from .csvio import read_series_csv
        from .windows import build_task_data

        d = self.dataset
        path = self.locate()
        table = read_series_csv(path, strict_dates=False)   # split by row index, as published
        quirks = report_quirks(table, d.filename)
        if len(table.channels) != d.channels:
            raise DataError(f"{path} has {len(table.channels)} value columns; {d.name} has "
                            f"{d.channels}", f"this is not the canonical {d.filename}: delete it "
                            f"and run again to download it from {d.url}")
        borders = d.split.borders(len(table.values))
        return build_task_data(table.values, borders, self.lookback, self.horizon, table.channels,
                               info={"dataset": d.name, "file": str(path), "source": d.url,
                                     "sha256": d.sha256, "quirks": quirks})

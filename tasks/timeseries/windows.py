"""Turn one (T, C) series into standardized train/val/test forecasting splits.

Shared by every forecasting task (LTSF files, user CSVs, generated series) so that all of them
split, standardize and window the same way:

- chronological borders (:mod:`.splits`); val and test windows borrow one lookback of history
  from the previous split, so their first window is complete;
- a StandardScaler fitted on the train rows only, applied to every row;
- every stride-1 test window is evaluated (``n_test - horizon + 1``), and the test inputs end
  ``horizon`` rows before the end of the series, so no test target reaches a method.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from sfmbench.data import ForecastInputs, ForecastTargets, HeldOut, SeriesSplit, TaskData
from sfmbench.errors import DataError

from .splits import Borders


def check_sizes(borders: Borders, lookback: int, horizon: int) -> None:
    """Every split must hold at least one full window (train: lookback + horizon rows)."""
    own = {"train": borders.train_end, "val": borders.val_end - borders.train_end,
           "test": borders.end - borders.val_end}
    need = {"train": lookback + horizon, "val": horizon, "test": horizon}
    for split, rows in own.items():
        if rows < need[split]:
            what = "lookback + horizon" if split == "train" else "horizon"
            raise DataError(f"the {split} split has {rows} rows, fewer than {what} = "
                            f"{need[split]} needed for one forecast window "
                            f"(lookback={lookback}, horizon={horizon})",
                            "use a smaller lookback or horizon, a longer series, or give the "
                            f"{split} split a larger share")


def standardize(values: np.ndarray, train_end: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standardize all rows with a StandardScaler fitted on rows [0, train_end) only."""
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(values[:train_end])
    return scaler.transform(values).astype(np.float32), scaler.mean_, scaler.scale_


def build_task_data(values: np.ndarray, borders: Borders, lookback: int, horizon: int,
                    channels: Sequence[str] = (), info: dict[str, Any] | None = None) -> TaskData:
    """Split, standardize and window a raw (T, C) series (rows past ``borders.end`` are unused)."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise DataError(f"a series must be (rows, channels), got shape {values.shape}",
                        "give one row per time step and one column per channel")
    check_sizes(borders, lookback, horizon)
    a, b, end = borders.train_end, borders.val_end, borders.end
    std, mean, scale = standardize(values[:end], a)
    names = tuple(str(c) for c in channels)
    train = SeriesSplit(std[:a], start=0, first_target=0, lookback=lookback, horizon=horizon,
                        channels=names)
    val = SeriesSplit(std[a - lookback:b], start=a - lookback, first_target=a, lookback=lookback,
                      horizon=horizon, channels=names)
    test = HeldOut(ForecastInputs.from_history(std[b - lookback:end - horizon], first_origin=b,
                                               lookback=lookback, horizon=horizon,
                                               channels=names),
                   ForecastTargets(std[b:end], horizon=horizon))
    meta = {
        "mean": mean.tolist(), "scale": scale.tolist(), "channels": list(names),
        "borders": borders.as_dict(), "rows": int(len(values)), "rows_used": int(end),
        "lookback": lookback, "horizon": horizon,
        "windows": {"train": train.n_windows, "val": val.n_windows, "test": len(test)},
    }
    return TaskData(train=train, val=val, test=test, info={**meta, **(info or {})})

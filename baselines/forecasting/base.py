"""Common base of the closed-form forecasters: input checks and chunked prediction."""
from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from sfmbench.data import ForecastInputs, SeriesSplit, TestInputs, TrainData
from sfmbench.errors import ConfigError, DataError
from sfmbench.method import Method
from sfmbench.params import MethodParams, param
from sfmbench.specs import ProblemType

from .linear import DEFAULT_CHUNK_ROWS, TailMap, predict_inputs


def check_series(train: TrainData, val: TrainData) -> tuple[SeriesSplit, SeriesSplit]:
    """Both splits must be finite :class:`SeriesSplit` objects of one task with validation windows."""
    for name, split in (("train", train), ("val", val)):
        if not isinstance(split, SeriesSplit):
            raise DataError(f"the {name} split is a {type(split).__name__}, not a SeriesSplit",
                            "forecasting baselines run on forecasting tasks only")
        if split.values.ndim != 2 or not np.isfinite(split.values).all():
            raise DataError(f"the {name} split must be a finite (T, C) array, "
                            f"got shape {split.values.shape}",
                            "fill or drop missing values in the task loader")
    if train.values.shape[1] != val.values.shape[1]:
        raise DataError(f"train has {train.values.shape[1]} channels, val "
                        f"{val.values.shape[1]}", "both splits must come from one series")
    if val.n_windows == 0:
        raise DataError(f"the validation split ({len(val.values)} rows) has no complete window",
                        f"it needs at least lookback + horizon = {val.lookback + val.horizon} rows")
    return train, val


def train_and_val_rows(train: SeriesSplit, val: SeriesSplit) -> np.ndarray:
    """Train rows followed by val's own rows: the contiguous series without a duplicated seam."""
    if val.first_target != train.end:
        raise DataError(f"val targets start at row {val.first_target}, train ends at {train.end}",
                        "val must follow train directly")
    return np.concatenate([train.values, val.own], axis=0)


@dataclass
class TailMapParams(MethodParams):
    """Parameters every closed-form forecaster shares."""

    max_chunk_rows: int = param(DEFAULT_CHUNK_ROWS, "rows per chunk of the windowed matrix "
                                                    "products (memory vs. speed)")


class TailMapForecaster(Method):
    """A forecaster whose prediction is an affine map of each channel's recent values."""

    kind: ClassVar[str] = "baseline"
    problems: ClassVar[frozenset[ProblemType]] = frozenset({ProblemType.FORECASTING})
    Params: ClassVar[type[MethodParams]] = TailMapParams

    @abstractmethod
    def tail_map(self, horizon: int) -> TailMap:
        """The fitted map for ``horizon`` steps."""

    @property
    def chunk_rows(self) -> int:
        rows = int(self.params.max_chunk_rows or DEFAULT_CHUNK_ROWS)
        if rows < 1:
            raise ConfigError(f"max_chunk_rows must be positive, got {rows}")
        return rows

    def predict(self, inputs: TestInputs) -> np.ndarray:
        if not isinstance(inputs, ForecastInputs):
            raise DataError(f"{type(self).__name__} forecasts series, got {type(inputs).__name__}",
                            "use it on forecasting tasks")
        return predict_inputs(self.tail_map(inputs.horizon), inputs, self.chunk_rows)

    def _require_fitted(self, attr: str) -> Any:
        value = getattr(self, attr, None)
        if value is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted; call fit(train, val) first")
        return value

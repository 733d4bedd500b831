"""Shared plumbing of the time-series FM adapters: windows in, (n, H, C) forecasts out.

A :class:`WindowForecaster` turns the harness's look-back windows (already standardized with
train statistics) into batches of model series, so family modules only implement
:meth:`WindowForecaster.forecast_series` (univariate models) or override
:meth:`WindowForecaster.forecast_windows` (models that forecast channels jointly).
"""
from __future__ import annotations

from dataclasses import dataclass

import time
from typing import TYPE_CHECKING, Any, ClassVar, Optional

import numpy as np

from sfmbench.data import ForecastInputs, SeriesSplit
from sfmbench.errors import ConfigError, DataError
from sfmbench.metrics import score
from sfmbench.params import MethodParams, param
from sfmbench.specs import ProblemType

from ..base import FMParams, FoundationModel

if TYPE_CHECKING:
    from sfmbench.context import RunContext
    from sfmbench.specs import TaskSpec

#: point forecasts an adapter can return from its quantile/sample forecasts
POINTS = ("median", "mean")


def evenly_spaced(n: int, k: int | None) -> np.ndarray:
    """Indices of at most ``k`` of ``n`` items, evenly spaced and including both ends."""
    if not k or k >= n:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, int(k)).round().astype(int))


@dataclass
class WindowParams(FMParams):
    """Forecasting every channel of every look-back window."""

    point: str = param("median", "point forecast: median or mean")
    batch_size: int = param(256, "series per model call")
    val_windows: Optional[int] = param(512, "validation windows scored (evenly spaced) for "
                                            "selection and the validation metric; null = all")


class WindowForecaster(FoundationModel):
    """An FM that forecasts every channel of every look-back window.

    Params: ``point`` (``median`` or ``mean`` forecast), ``batch_size`` (series per model
    call), ``val_windows`` (how many validation windows, evenly spaced, are scored for selection
    and the reported validation metric; null = all).
    """

    problems: ClassVar[frozenset[ProblemType]] = frozenset({ProblemType.FORECASTING})
    domains: ClassVar[frozenset[str]] = frozenset({"timeseries"})
    Params: ClassVar[type[MethodParams]] = WindowParams
    params: WindowParams

    def __init__(self, spec: "TaskSpec", params: dict[str, Any], ctx: "RunContext") -> None:
        super().__init__(spec, params, ctx)
        if self.params.point not in POINTS:
            raise ConfigError(f"unknown point forecast {self.params['point']!r}",
                              f"use one of: {', '.join(POINTS)}")
        if int(self.params.batch_size) < 1:
            raise ConfigError(f"batch_size must be >= 1, got {self.params['batch_size']}",
                              "set model.batch_size to a positive number of series")

    # -- what a family implements --------------------------------------------------------------
    def forecast_series(self, series: np.ndarray, horizon: int) -> np.ndarray:
        """Point forecasts (B, H) for univariate series (B, L)."""
        raise NotImplementedError(f"{type(self).__name__} implements neither forecast_series "
                                  "nor forecast_windows")

    def forecast_windows(self, lookbacks: np.ndarray, horizon: int) -> np.ndarray:
        """Point forecasts (n, H, C) for look-back windows (n, L, C); default: per channel."""
        n, length, channels = lookbacks.shape
        series = np.ascontiguousarray(lookbacks.transpose(0, 2, 1), dtype=np.float32)
        out = self.forecast_series(series.reshape(n * channels, length), horizon)
        return np.asarray(out, dtype=np.float32).reshape(n, channels, horizon).transpose(0, 2, 1)

    # -- the Method contract -------------------------------------------------------------------
    def predict(self, inputs: ForecastInputs) -> np.ndarray:
        if not isinstance(inputs, ForecastInputs):
            raise DataError(f"{type(self).__name__} forecasts time series, got "
                            f"{type(inputs).__name__}", "use it on forecasting tasks only")
        if len(inputs) <= 0:
            return np.zeros((0, inputs.horizon, inputs.n_channels), np.float32)
        return self._forecast_all(inputs.lookbacks(), inputs.horizon)

    def _forecast_all(self, lookbacks: np.ndarray, horizon: int) -> np.ndarray:
        channels = lookbacks.shape[2]
        per_call = max(1, int(self.params.batch_size) // max(1, channels))
        parts = [self.forecast_windows(lookbacks[i:i + per_call], horizon)
                 for i in range(0, len(lookbacks), per_call)]
        out = np.concatenate(parts).astype(np.float32, copy=False)
        expected = (len(lookbacks), horizon, channels)
        if out.shape != expected:  # a family bug, not user error: say so plainly
            raise RuntimeError(f"{type(self).__name__} returned {out.shape}, expected {expected}")
        return out

    # -- validation ----------------------------------------------------------------------------
    def validation_windows(self, val: SeriesSplit) -> tuple[np.ndarray, np.ndarray]:
        """Look-backs and targets of up to ``val_windows`` evenly spaced validation windows."""
        origins = val.window_origins()
        if len(origins) == 0:
            raise DataError("the validation split has no complete forecast window",
                            "use a longer validation split or a shorter lookback/horizon")
        return val.windows(origins[evenly_spaced(len(origins), self.params.get("val_windows"))])

    def validation_score(self, val: SeriesSplit) -> float:
        """The task's primary metric on the validation windows (the selection criterion)."""
        lookbacks, targets = self.validation_windows(val)
        return score(self.spec, self._forecast_all(lookbacks, val.horizon), targets)

    def check_splits(self, train: Any, val: Any) -> None:
        for name, split in (("train", train), ("validation", val)):
            if not isinstance(split, SeriesSplit):
                raise DataError(f"{type(self).__name__} needs a time series, the {name} split "
                                f"is a {type(split).__name__}", "use it on forecasting tasks")

    def zero_shot_fit(self, val: SeriesSplit, started: float) -> dict[str, Any]:
        """Score the loaded model on validation; returns FitReport kwargs."""
        t0 = time.perf_counter()
        value = self.validation_score(val)
        return {"best_val_metric": value,
                "stage_seconds": {"load": t0 - started, "validate": time.perf_counter() - t0}}

"""Reference forecasters without learned weights: last value and seasonal naive."""
from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import optuna

from sfmbench.data import TrainData
from sfmbench.errors import ConfigError
from sfmbench.method import FitReport
from sfmbench.params import MethodParams, param
from sfmbench.tuning import best_trial, optimize

from .base import TailMapForecaster, TailMapParams, check_series
from .linear import TailMap, WindowScorer

if TYPE_CHECKING:
    from sfmbench.context import RunContext
    from sfmbench.specs import TaskSpec


def seasonal_map(period: int, horizon: int) -> TailMap:
    """Repeat the last ``period`` values: step h copies lookback value ``-period + h mod period``."""
    weight = np.zeros((period, horizon))
    weight[np.arange(horizon) % period, np.arange(horizon)] = 1.0
    return TailMap(weight, np.zeros(horizon))


class LastValue(TailMapForecaster):
    """Repeat each channel's last observed value over the horizon."""

    description: ClassVar[str] = "repeat the last observed value"

    deterministic: ClassVar[bool] = True

    def fit(self, train: TrainData, val: TrainData) -> FitReport:
        _, val = check_series(train, val)
        mse = WindowScorer(val, 1, self.chunk_rows).mse(self.tail_map(val.horizon))
        return FitReport(best_val_metric=mse)

    def tail_map(self, horizon: int) -> TailMap:
        return seasonal_map(1, horizon)


@dataclass
class SeasonalNaiveParams(TailMapParams):
    """The season length: fixed, or chosen out of candidates on validation."""

    period: Any = param("auto", "season length: an int, or auto = the best of periods on "
                                "validation")
    periods: list[int] = param([24, 168], "candidate periods for period: auto")
    max_chunk_rows: int = param(32768)


class SeasonalNaive(TailMapForecaster):
    """Repeat the last season; ``period: auto`` picks it from ``periods`` on validation."""

    description: ClassVar[str] = "repeat the last season (period chosen on validation)"

    deterministic: ClassVar[bool] = True   # a full grid over the periods: no seed

    Params: ClassVar[type[MethodParams]] = SeasonalNaiveParams
    params: SeasonalNaiveParams

    def __init__(self, spec: TaskSpec, params: Mapping[str, Any], ctx: RunContext) -> None:
        super().__init__(spec, params, ctx)
        self.period: int | None = None

    def _candidates(self, lookback: int) -> list[int]:
        period = self.params.period
        raw = self.params.periods if period in (None, "auto") else [period]
        try:
            cands = sorted({int(p) for p in raw})
        except (TypeError, ValueError):
            raise ConfigError(f"seasonal-naive period(s) {raw!r} must be integers") from None
        fits = [p for p in cands if 1 <= p <= lookback]
        if not fits:
            raise ConfigError(f"no seasonal period out of {cands} fits the lookback {lookback}",
                              "choose a period between 1 and the lookback")
        return fits

    def fit(self, train: TrainData, val: TrainData) -> FitReport:
        _, val = check_series(train, val)
        cands = self._candidates(val.lookback)
        t0 = time.perf_counter()
        scorer = WindowScorer(val, max(cands), self.chunk_rows)

        def objective(trial: optuna.Trial) -> float:
            period = trial.suggest_categorical("period", cands)
            return scorer.mse(seasonal_map(period, val.horizon))

        study = optimize(self.ctx, objective, sampler="grid", search_space={"period": cands},
                         direction="minimize", n_trials=len(cands), stage="period")
        best = best_trial(study)
        self.period = int(best.params["period"])
        return FitReport(best_val_metric=float(best.value),
                         hyperparameters={"period": self.period}, n_trials=len(study.trials),
                         stage_seconds={"period": time.perf_counter() - t0},
                         tune_seconds=time.perf_counter() - t0)

    def tail_map(self, horizon: int) -> TailMap:
        return seasonal_map(self._require_fitted("period"), horizon)

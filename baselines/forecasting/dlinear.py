"""DLinear-style reference (Zeng et al., AAAI 2023), fitted in closed form.

The lookback is split into a moving-average trend and the seasonal remainder; one linear map per
component (shared by all channels) takes it to the horizon. Both components are linear in the
lookback, so the ridge normal equations follow from one Gram matrix of [1, lookback, target]
accumulated chunk by chunk over the windows; the ridge strength is chosen on validation through
the optuna layer, then the model is refit on train + val's own rows.
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Optional

import numpy as np
import optuna

from sfmbench.data import TrainData
from sfmbench.errors import ConfigError, DataError
from sfmbench.method import FitReport
from sfmbench.params import MethodParams, param
from sfmbench.tuning import best_trial, optimize

from .base import TailMapForecaster, TailMapParams, check_series, train_and_val_rows
from .linear import TailMap, WindowScorer, solve_normal, window_gram

if TYPE_CHECKING:
    from sfmbench.context import RunContext
    from sfmbench.specs import TaskSpec


def moving_average_operator(length: int, kernel: int) -> np.ndarray:
    """A (length, length) matrix A with ``trend = x @ A``: DLinear's replicate-padded moving average."""
    if kernel < 1 or kernel % 2 == 0:
        raise ConfigError(f"the moving-average kernel must be an odd positive size, got {kernel}")
    pad = (kernel - 1) // 2
    a = np.zeros((length, length))
    for j in range(length):
        idx = np.clip(np.arange(j - pad, j + pad + 1), 0, length - 1)
        np.add.at(a[:, j], idx, 1.0 / kernel)
    return a


def decomposition_basis(length: int, kernel: int) -> np.ndarray:
    """B (L+1, 2L+1): ``[1, x] @ B = [1, seasonal(x), trend(x)]``."""
    trend = moving_average_operator(length, kernel)
    b = np.zeros((length + 1, 2 * length + 1))
    b[0, 0] = 1.0
    b[1:, 1:length + 1] = np.eye(length) - trend
    b[1:, length + 1:] = trend
    return b


@dataclass
class DLinearParams(TailMapParams):
    """DLinear's decomposition and its ridge grid (chosen on validation)."""

    window: Optional[int] = param(None, "lookback values used (null = the task's whole "
                                        "lookback)")
    kernel: int = param(25, "moving-average kernel of the trend/seasonal decomposition")
    ridges: list[float] = param([1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0],
                                "ridge values searched, relative to the mean Gram per row")
    max_chunk_rows: int = param(4096)


class DLinear(TailMapForecaster):
    """Seasonal-trend decomposition + shared direct linear maps, ridge chosen on validation."""

    description: ClassVar[str] = (
        "DLinear-style trend/seasonal linear maps, closed-form ridge chosen on validation"
    )

    tuned: ClassVar[bool] = True
    deterministic: ClassVar[bool] = True   # closed-form ridge over a full grid: no seed
    Params: ClassVar[type[MethodParams]] = DLinearParams
    params: DLinearParams

    def __init__(self, spec: TaskSpec, params: Mapping[str, Any], ctx: RunContext) -> None:
        super().__init__(spec, params, ctx)
        self.map: TailMap | None = None

    def _window(self, lookback: int) -> int:
        window = min(int(self.params.window or lookback), lookback)
        if window < 1:
            raise ConfigError(f"dlinear window {window} must be positive")
        return window

    def _solve(self, gram: np.ndarray, basis: np.ndarray, ridge: float, window: int) -> TailMap:
        n = max(gram[0, 0], 1.0)
        gxx, gxy = gram[:window + 1, :window + 1] / n, gram[:window + 1, window + 1:] / n
        ftf, fty = basis.T @ gxx @ basis, basis.T @ gxy
        penalize = np.r_[0.0, np.ones(len(ftf) - 1)]
        w = basis @ solve_normal(ftf, fty, ridge=ridge, penalize=penalize)
        return TailMap(w[1:], w[0])

    def fit(self, train: TrainData, val: TrainData) -> FitReport:
        train, val = check_series(train, val)
        window, h = self._window(val.lookback), val.horizon
        if len(train.values) < window + h:
            raise DataError(f"train has {len(train.values)} rows, one window needs {window + h}",
                            "use a shorter window or more training rows")
        basis = decomposition_basis(window, int(self.params.kernel))
        ridges = sorted({float(r) for r in self.params.ridges})
        if not ridges or min(ridges) < 0:
            raise ConfigError(f"ridges={self.params['ridges']!r} must be non-negative numbers")
        t0 = time.perf_counter()
        gram = window_gram(train.values, window, h, chunk_rows=self.chunk_rows)
        seconds = {"gram": time.perf_counter() - t0}

        t0 = time.perf_counter()
        scorer = WindowScorer(val, window, self.chunk_rows)

        def objective(trial: optuna.Trial) -> float:
            ridge = trial.suggest_categorical("ridge", ridges)
            return scorer.mse(self._solve(gram, basis, ridge, window))

        study = optimize(self.ctx, objective, sampler="grid", search_space={"ridge": ridges},
                         direction="minimize", n_trials=len(ridges), stage="ridge")
        best = best_trial(study)
        seconds["ridge"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        series = train_and_val_rows(train, val)
        gram += window_gram(series, window, h, first_origin=len(train.values) - h + 1,
                            chunk_rows=self.chunk_rows)
        ridge = float(best.params["ridge"])
        self.map = self._solve(gram, basis, ridge, window)
        seconds["refit"] = time.perf_counter() - t0
        return FitReport(best_val_metric=float(best.value),
                         hyperparameters={"ridge": ridge, "window": window,
                                          "kernel": int(self.params.kernel)},
                         n_trials=len(study.trials), stage_seconds=seconds,
                         tune_seconds=seconds.get("ridge"))

    def parameter_count(self) -> tuple[int | None, int | None]:
        n = None if self.map is None else self.map.weight.size + self.map.bias.size
        return n, n

    def tail_map(self, horizon: int) -> TailMap:
        tail_map: TailMap = self._require_fitted("map")
        if horizon != tail_map.horizon:
            raise DataError(f"dlinear was fitted for horizon {tail_map.horizon}, asked for {horizon}",
                            "refit it on the task whose test inputs it predicts")
        return tail_map

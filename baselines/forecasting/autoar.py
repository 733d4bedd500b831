"""Auto-AR: a global linear AR(p) on d-times differenced channels, tuned on validation.

Fixes the reference workflow's flaws (docs/reference/autoar.md §6): the lag p and the
differencing order d are chosen by the H-step forecast MSE over every validation window with the
model fitted on train only; the refit on train + val uses val's own rows (no duplicated seam);
normal equations are accumulated chunk by chunk (memory independent of the number of windows);
the KPSS loop is bounded; the lag grid is clamped to the lookback.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import optuna

from sfmbench.data import SeriesSplit, TrainData
from sfmbench.errors import ConfigError, DataError
from sfmbench.method import FitReport
from sfmbench.tuning import best_trial, optimize

from .ar import ARModel, difference, lag_gram
from .base import TailMapForecaster, check_series, train_and_val_rows
from .linear import TailMap, WindowScorer
from .stationarity import kpss_order


class AutoAR(TailMapForecaster):
    """Tuned linear autoregression (Xu et al., ICLR 2025), selected on validation only."""

    tuned: ClassVar[bool] = True
    defaults: ClassVar[dict[str, Any]] = {
        # the reference HEAD grid {64, 96, 128, 192} plus longer lags within the lookback (the
        # arXiv v1 code used p close to the lookback); clamped to p + d <= lookback
        "lags": [64, 96, 128, 192, 256, 384, 448],
        "d_candidates": "kpss",      # "kpss" (bounded test on train) or a list such as [0, 1, 2]
        "kpss_alpha": 0.05,
        "kpss_regression": "c",
        "ridge": 0.0,                # relative ridge on the lag coefficients (0 = plain OLS)
        "max_chunk_rows": 32768,
    }

    def __init__(self, spec: Any, params: dict[str, Any], ctx: Any) -> None:
        super().__init__(spec, params, ctx)
        self.model: ARModel | None = None
        self._train_grams: dict[int, np.ndarray] = {}

    # --- configuration ------------------------------------------------------------------------
    def _d_candidates(self, train: SeriesSplit) -> list[int]:
        spec = self.params["d_candidates"]
        if isinstance(spec, str):
            if spec != "kpss":
                raise ConfigError(f"d_candidates={spec!r} is not understood",
                                  "use 'kpss' or a list of orders out of 0, 1, 2")
            return [kpss_order(train.values, 2, float(self.params["kpss_alpha"]),
                               str(self.params["kpss_regression"]))]
        ds = sorted({int(d) for d in (spec if isinstance(spec, Sequence) else [spec])})
        if not ds or any(d not in (0, 1, 2) for d in ds):
            raise ConfigError(f"d_candidates={spec!r} must be orders out of 0, 1, 2")
        return ds

    def _lag_grid(self, lookback: int, ds: list[int], n_train: int) -> list[int]:
        lags = sorted({int(p) for p in self.params["lags"]})
        if not lags or lags[0] < 1:
            raise ConfigError(f"lags={self.params['lags']!r} must be positive integers")
        limit = min(lookback - max(ds), n_train - max(ds) - 2)
        grid = [p for p in lags if p <= limit]
        if not grid:           # clamp: the longest lag the lookback (and train) allows
            if limit < 1:
                raise DataError(f"the series is too short for AR: lookback {lookback}, "
                                f"{n_train} train rows, differencing up to {max(ds)}",
                                "use a longer lookback or more training rows")
            grid = [limit]
        return grid

    # --- fitting --------------------------------------------------------------------------------
    def _train_gram(self, train: SeriesSplit, d: int, p_max: int) -> np.ndarray:
        """Cached Gram of the d-differenced train split at the largest lag (sub-blocks for the rest)."""
        if d not in self._train_grams:
            self._train_grams[d] = lag_gram(difference(train.values, d), p_max,
                                            chunk_rows=self.chunk_rows)
        return self._train_grams[d]

    def fit(self, train: TrainData, val: TrainData) -> FitReport:
        train, val = check_series(train, val)
        self._train_grams.clear()
        seconds: dict[str, float] = {}
        t0 = time.perf_counter()
        ds = self._d_candidates(train)
        seconds["differencing"] = time.perf_counter() - t0
        grid = self._lag_grid(val.lookback, ds, len(train.values))
        p_max = max(grid)
        ridge = float(self.params["ridge"])
        min_rows = p_max + max(ds) + 2
        if len(train.values) < min_rows + 1:
            raise DataError(f"train has {len(train.values)} rows, AR({p_max}) with d={max(ds)} "
                            f"needs more than {min_rows}", "use smaller lags or more data")

        t0 = time.perf_counter()
        scorer = WindowScorer(val, p_max + max(ds), self.chunk_rows)

        def objective(trial: optuna.Trial) -> float:
            p, d = trial.suggest_categorical("p", grid), trial.suggest_categorical("d", ds)
            model = ARModel.from_gram(self._train_gram(train, d, p_max), p, d, ridge)
            mse = scorer.mse(model.tail_map(val.horizon))
            return mse if np.isfinite(mse) else float("inf")

        study = optimize(self.ctx, objective, sampler="grid", search_space={"p": grid, "d": ds},
                         direction="minimize", n_trials=len(grid) * len(ds), stage="lag")
        best = best_trial(study)
        seconds["lag"] = time.perf_counter() - t0
        p, d = int(best.params["p"]), int(best.params["d"])

        # refit on train + val's own rows: the train Gram plus the rows whose target is in val
        t0 = time.perf_counter()
        series = difference(train_and_val_rows(train, val), d)
        gram = self._train_gram(train, d, p_max) + lag_gram(
            series, p_max, first_target=len(train.values) - d, chunk_rows=self.chunk_rows)
        self.model = ARModel.from_gram(gram, p, d, ridge)
        seconds["refit"] = time.perf_counter() - t0
        self._train_grams.clear()
        return FitReport(
            best_val_metric=float(best.value), hyperparameters={"p": p, "d": d},
            n_trials=len(study.trials), stage_seconds=seconds,
            extra={"lag_grid": grid, "d_candidates": ds, "val_metric": "mse",
                   "refit_rows": int(gram[0, 0])})

    def parameter_count(self) -> tuple[int | None, int | None]:
        n = None if self.model is None else self.model.p + 1
        return n, n

    def tail_map(self, horizon: int) -> TailMap:
        model: ARModel = self._require_fitted("model")
        return model.tail_map(horizon)

"""Auto-AR: a global linear AR(p) on d-times differenced channels, tuned on validation.

Fixes the reference workflow's flaws (docs/reference/autoar.md §6): the lag p is searched over
every value from 1 to ``lookback - d`` (not a hand-picked grid) and, with ``d_candidates`` as a
list, d too, by the H-step forecast MSE over every validation window with the model fitted on
train only; the refit on train + val uses val's own rows (no duplicated seam); normal equations
are accumulated chunk by chunk (memory independent of the number of windows); the KPSS loop is
bounded.

One pass scores every lag: the train normal equations of the largest lag contain those of every
smaller lag (one Cholesky factor serves all), each lag's recursive forecast is an affine map of
the tail built in O(p H), and the validation MSE of any such map is read off one Gram matrix of
the validation windows (:class:`~.linear.WindowScorer`), whatever the number of windows.
"""
from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from sfmbench.data import SeriesSplit, TrainData
from sfmbench.errors import ConfigError, DataError
from sfmbench.method import FitReport
from sfmbench.params import MethodParams, param

from .ar import ARModel, difference, forecast_map, lag_gram, nested_ar_fits
from .base import TailMapForecaster, TailMapParams, check_series, train_and_val_rows
from .linear import TailMap, WindowScorer
from .stationarity import kpss_order

if TYPE_CHECKING:
    from sfmbench.context import RunContext
    from sfmbench.specs import TaskSpec

#: how many of the best (p, d) candidates a run reports with their validation MSE
REPORT_TOP = 5


@dataclass
class AutoARParams(TailMapParams):
    """Auto-AR's search: lags p and differencing orders d, chosen on validation."""

    lags: Any = param("all", "'all' (every p in 1..lookback - d) or a list of lags")
    d_candidates: Any = param("kpss", "'kpss' (bounded KPSS test on train) or a list of orders "
                                      "out of 0, 1, 2")
    kpss_alpha: float = param(0.05, "significance level of the KPSS test")
    kpss_regression: str = param("c", "KPSS null hypothesis: c (level) or ct (trend)")
    ridge: float = param(0.0, "relative ridge on the lag coefficients (0 = plain OLS)")
    max_chunk_rows: int = param(32768)


class AutoAR(TailMapForecaster):
    """Tuned linear autoregression (Xu et al., ICLR 2025), selected on validation only."""

    description: ClassVar[str] = (
        "Auto-AR: global linear AR(p) on differenced channels, p and d chosen on validation"
    )

    tuned: ClassVar[bool] = True
    deterministic: ClassVar[bool] = True   # least squares over a full lag grid: no seed
    Params: ClassVar[type[MethodParams]] = AutoARParams
    params: AutoARParams

    def __init__(self, spec: TaskSpec, params: Mapping[str, Any], ctx: RunContext) -> None:
        super().__init__(spec, params, ctx)
        self.model: ARModel | None = None

    # --- configuration ------------------------------------------------------------------------
    def _d_candidates(self, train: SeriesSplit) -> list[int]:
        spec = self.params.d_candidates
        if isinstance(spec, str):
            if spec != "kpss":
                raise ConfigError(f"d_candidates={spec!r} is not understood",
                                  "use 'kpss' or a list of orders out of 0, 1, 2")
            return [kpss_order(train.values, 2, float(self.params.kpss_alpha),
                               str(self.params.kpss_regression))]
        ds = sorted({int(d) for d in (spec if isinstance(spec, Sequence) else [spec])})
        if not ds or any(d not in (0, 1, 2) for d in ds):
            raise ConfigError(f"d_candidates={spec!r} must be orders out of 0, 1, 2")
        return ds

    def _lag_grid(self, lookback: int, d: int, n_train: int) -> list[int]:
        """Lags searched for differencing order ``d``: all of 1..lookback - d by default, an
        explicit list clamped to the lookback; train must hold more rows than the largest lag."""
        limit = lookback - d
        if limit < 1:
            raise DataError(f"the series is too short for AR: lookback {lookback}, "
                            f"differencing {d}", "use a longer lookback or a smaller d")
        spec = self.params.lags
        if isinstance(spec, str):
            if spec != "all":
                raise ConfigError(f"lags={spec!r} is not understood",
                                  "use 'all' (every lag up to lookback - d) or a list of lags")
            grid = list(range(1, limit + 1))
        else:
            lags = sorted({int(p) for p in (spec if isinstance(spec, Sequence) else [spec])})
            if not lags or lags[0] < 1:
                raise ConfigError(f"lags={spec!r} must be 'all' or positive integers")
            grid = [p for p in lags if p <= limit] or [limit]   # clamp: the longest lag allowed
        if n_train < max(grid) + d + 3:
            raise DataError(f"train has {n_train} rows, AR({max(grid)}) with d={d} needs more "
                            f"than {max(grid) + d + 2}", "use smaller lags or more data")
        return grid

    # --- fitting --------------------------------------------------------------------------------
    def fit(self, train: TrainData, val: TrainData) -> FitReport:
        train, val = check_series(train, val)
        seconds: dict[str, float] = {}
        t0 = time.perf_counter()
        ds = self._d_candidates(train)
        seconds["differencing"] = time.perf_counter() - t0
        grids = {d: self._lag_grid(val.lookback, d, len(train.values)) for d in ds}
        ridge = float(self.params.ridge)

        t0 = time.perf_counter()
        scorer = WindowScorer(val, max(max(g) + d for d, g in grids.items()), self.chunk_rows)
        scores: list[tuple[float, int, int]] = []          # (val mse, p, d)
        grams: dict[int, np.ndarray] = {}
        for d, grid in grids.items():
            grams[d] = lag_gram(difference(train.values, d), max(grid), chunk_rows=self.chunk_rows)
            for p, intercept, coef in nested_ar_fits(grams[d], grid, ridge):
                mse = scorer.mse(forecast_map(intercept, coef, d, val.horizon))
                scores.append((mse if np.isfinite(mse) else float("inf"), p, d))
        # smallest validation MSE; ties go to the smaller model (smaller p, then smaller d)
        best_mse, p, d = min(scores, key=lambda s: (s[0], s[1], s[2]))
        if not np.isfinite(best_mse):
            raise DataError("every AR candidate diverged on validation",
                            "check the series for extreme values, or set ridge > 0")
        seconds["lag"] = time.perf_counter() - t0

        # refit on train + val's own rows: the train Gram plus the rows whose target is in val
        t0 = time.perf_counter()
        p_max = max(grids[d])
        series = difference(train_and_val_rows(train, val), d)
        gram = grams[d] + lag_gram(series, p_max, first_target=len(train.values) - d,
                                   chunk_rows=self.chunk_rows)
        self.model = ARModel.from_gram(gram, p, d, ridge)
        seconds["refit"] = time.perf_counter() - t0
        top = sorted(scores, key=lambda s: (s[0], s[1], s[2]))[:REPORT_TOP]
        return FitReport(
            best_val_metric=float(best_mse), hyperparameters={"p": p, "d": d},
            n_trials=len(scores), stage_seconds=seconds, tune_seconds=seconds.get("lag"),
            extra={"lag_grid": _describe_grid(grids[d]), "lags_searched": len(scores),
                   "d_candidates": ds, "val_metric": "mse",
                   "best_candidates": [{"p": q, "d": e, "val_mse": float(m)} for m, q, e in top],
                   "refit_rows": int(gram[0, 0])})

    def parameter_count(self) -> tuple[int | None, int | None]:
        n = None if self.model is None else self.model.p + 1
        return n, n

    def tail_map(self, horizon: int) -> TailMap:
        model: ARModel = self._require_fitted("model")
        return model.tail_map(horizon)


def _describe_grid(grid: list[int]) -> list[int] | str:
    """A contiguous grid 1..P as the string '1..P', else the list itself."""
    if len(grid) > 3 and grid == list(range(grid[0], grid[-1] + 1)):
        return f"{grid[0]}..{grid[-1]}"
    return grid

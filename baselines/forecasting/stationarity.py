"""Bounded KPSS choice of the differencing order (the reference's loop was unbounded)."""
from __future__ import annotations

import warnings

import numpy as np

from .ar import difference


def kpss_passes(x: np.ndarray, alpha: float = 0.05, regression: str = "c") -> bool:
    """True when KPSS does not reject stationarity of the 1-D series ``x`` at level ``alpha``."""
    from statsmodels.tools.sm_exceptions import InterpolationWarning
    from statsmodels.tsa.stattools import kpss

    x = np.asarray(x, dtype=np.float64)
    if np.ptp(x) == 0:                       # a constant series is stationary
        return True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InterpolationWarning)
        result = kpss(x, regression=regression, nlags="auto", result_object=True)
    return bool(result.pvalue > alpha)


def kpss_order(series: np.ndarray, max_d: int = 2, alpha: float = 0.05, regression: str = "c",
               max_rows: int | None = 20000) -> int:
    """The first d in 0..max_d whose d-times differenced channels all pass KPSS (else max_d).

    ``series`` is (T, C); only the last ``max_rows`` rows are tested (bounded cost).
    """
    x = np.asarray(series)[-max_rows:] if max_rows else np.asarray(series)
    for d in range(max_d + 1):
        z = difference(x, d)
        if all(kpss_passes(z[:, c], alpha, regression) for c in range(z.shape[1])):
            return d
    return max_d

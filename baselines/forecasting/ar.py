"""Global linear AR(p) with intercept on d-times differenced series.

One coefficient vector is shared by all channels (channel-independent). Fitting is closed-form
least squares on normal equations accumulated chunk by chunk; forecasting is the recursive
(iterated) H-step forecast in differenced space, integrated back by cumulative sums. Because the
whole procedure is affine in the last ``p + d`` observed values, it is compiled once per horizon
into a :class:`~.linear.TailMap` and then applied to any number of windows with one matrix
product.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

import scipy.linalg

from .linear import DEFAULT_CHUNK_ROWS, TailMap, solve_normal, window_gram


def difference(x: np.ndarray, d: int, axis: int = 0) -> np.ndarray:
    """``d``-times differenced series (d = 0 returns the input)."""
    return np.diff(x, n=d, axis=axis) if d else np.asarray(x)


def integrate(tail: np.ndarray, dz: np.ndarray, d: int) -> np.ndarray:
    """Undo ``d`` differences of future steps ``dz`` (B, H) given the raw tail (B, >= d) before them."""
    out = np.asarray(dz, dtype=np.float64)
    for level in range(d, 0, -1):
        last = np.diff(tail, n=level - 1, axis=1)[:, -1:]  # last value of the (level-1)-differenced
        out = last + np.cumsum(out, axis=1)
    return out


def lag_gram(z: np.ndarray, p: int, first_target: int | None = None,
             last_target: int | None = None, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> np.ndarray:
    """Gram matrix of ``[1, z_{t-1}, ..., z_{t-p}, z_t]`` over targets ``t`` and all channels.

    The ordering makes nested lags sub-blocks: for q <= p, ``G[:q+1, :q+1]`` is X^T X and
    ``G[:q+1, -1]`` is X^T y of AR(q) on the same rows.
    """
    g = window_gram(z, before=p, after=1, first_origin=first_target, last_origin=last_target,
                    chunk_rows=chunk_rows)
    # window_gram order: [1, z_{t-p}, ..., z_{t-1}, z_t]  ->  [1, z_{t-1}, ..., z_{t-p}, z_t]
    order = np.r_[0, np.arange(p, 0, -1), p + 1]
    return g[np.ix_(order, order)]


def solve_ar(gram: np.ndarray, p: int, ridge: float = 0.0) -> tuple[float, np.ndarray]:
    """(intercept, coefficients of lags 1..p) of AR(p) from a :func:`lag_gram` matrix."""
    if p + 2 > len(gram):
        raise ValueError(f"lag {p} exceeds the Gram matrix's maximum lag {len(gram) - 2}")
    xtx, xty = gram[:p + 1, :p + 1], gram[:p + 1, -1]
    penalize = np.r_[0.0, np.ones(p)]
    beta = solve_normal(xtx, xty, ridge=ridge * max(gram[0, 0], 1.0), penalize=penalize)
    return float(beta[0]), beta[1:]


def recursive_forecast(tail: np.ndarray, intercept: float, coef: np.ndarray, d: int,
                       horizon: int) -> np.ndarray:
    """Iterated H-step forecast of many series at once.

    ``tail`` (B, p + d): the last raw values of each series, oldest first. Returns (B, H).
    """
    tail = np.asarray(tail, dtype=np.float64)
    p = len(coef)
    z = difference(tail, d, axis=1)[:, -p:] if p else np.empty((len(tail), 0))
    buf = np.empty((len(tail), p + horizon))
    buf[:, :p] = z
    w = np.asarray(coef, dtype=np.float64)[::-1]          # aligned with buf[:, h:h+p], oldest first
    for h in range(horizon):
        buf[:, p + h] = intercept + buf[:, h:h + p] @ w
    return integrate(tail, buf[:, p:], d)


@dataclass
class ARModel:
    """A fitted global AR(p) on d-times differenced channels."""

    intercept: float
    coef: np.ndarray              # (p,) lag 1 first
    d: int
    _maps: dict[int, TailMap] = field(default_factory=dict, repr=False)

    @property
    def p(self) -> int:
        return len(self.coef)

    @property
    def width(self) -> int:
        """Past raw values one forecast needs."""
        return self.p + self.d

    @classmethod
    def from_gram(cls, gram: np.ndarray, p: int, d: int, ridge: float = 0.0) -> "ARModel":
        intercept, coef = solve_ar(gram, p, ridge)
        return cls(intercept, coef, d)

    def tail_map(self, horizon: int) -> TailMap:
        """The recursive forecast as an affine map of the last ``p + d`` values (cached per H)."""
        if horizon not in self._maps:
            self._maps[horizon] = forecast_map(self.intercept, self.coef, self.d, horizon)
        return self._maps[horizon]


def nested_ar_fits(gram: np.ndarray, lags: list[int], ridge: float = 0.0
                   ) -> Iterator[tuple[int, float, np.ndarray]]:
    """(p, intercept, coefficients) of AR(p) for every p in ``lags`` from one :func:`lag_gram`.

    The normal equations of AR(q) are the leading (q+1)-block of those of the largest lag, so one
    Cholesky factor ``L`` of the full system serves every q: ``L[:q+1, :q+1]`` is the factor of
    the q-block and the forward solve ``L^{-1} X^T y`` is shared; each q then costs one triangular
    back-substitution, O(q^2). Falls back to :func:`solve_ar` per lag when the full system is
    not positive definite (e.g. too few rows for the largest lag).
    """
    p_max = max(lags)
    if p_max + 2 > len(gram):
        raise ValueError(f"lag {p_max} exceeds the Gram matrix's maximum lag {len(gram) - 2}")
    xtx = np.array(gram[:p_max + 1, :p_max + 1], dtype=np.float64)
    xty = np.asarray(gram[:p_max + 1, -1], dtype=np.float64)
    if ridge:
        xtx[np.diag_indices(p_max + 1)] += np.r_[0.0, np.full(p_max, ridge * max(gram[0, 0], 1.0))]
    try:
        low = np.linalg.cholesky(xtx)
        ok = bool(np.isfinite(low).all() and (np.diag(low) > 0).all())
    except np.linalg.LinAlgError:
        ok = False
    if not ok:
        for p in sorted(lags):
            yield (p, *solve_ar(gram, p, ridge))
        return
    u = scipy.linalg.solve_triangular(low, xty, lower=True, check_finite=False)
    for p in sorted(lags):
        beta = scipy.linalg.solve_triangular(low[:p + 1, :p + 1], u[:p + 1], lower=True,
                                             trans="T", check_finite=False)
        yield p, float(beta[0]), beta[1:]


def forecast_map(intercept: float, coef: np.ndarray, d: int, horizon: int) -> TailMap:
    """The recursive H-step forecast of AR(p) on d-times differenced values as a :class:`TailMap`
    of the last ``p + d`` raw values, in O((p + d) x H) (no forecast of a basis).

    The h-step forecast's weights on the differenced tail (newest first) follow the companion
    recursion ``r_h[j] = r_{h-1}[0] a[j] + r_{h-1}[j+1]``, its constant
    ``c_h = c_{h-1} + r_{h-1}[0] c``; differencing and integration are then applied to the weights.
    """
    coef = np.asarray(coef, dtype=np.float64)
    p = len(coef)
    rows = np.zeros((horizon, p))                 # rows[h-1, j]: weight of z_{T-j}
    const = np.zeros(horizon)
    prev, c_prev = np.zeros(p), 0.0
    if p:
        prev[0] = 1.0
    lead = 1.0
    for h in range(horizon):
        cur = np.zeros(p)
        if p:
            cur[:-1] = prev[1:]
            cur += lead * coef
        c_prev = c_prev + lead * intercept
        rows[h], const[h] = cur, c_prev
        prev = cur
        lead = cur[0] if p else 0.0
    weight = rows[:, ::-1].T                        # (p, H): weights of z, oldest first
    for _ in range(d):                              # z = diff(x): weights of x
        w = np.zeros((len(weight) + 1, horizon))
        w[1:] += weight
        w[:-1] -= weight
        weight = w
    width = p + d
    basis = np.vstack([np.eye(width), np.zeros((1, width))])
    dz = np.vstack([weight, const[None]])
    out = integrate(basis, dz, d) if d else dz
    return TailMap(out[:-1], out[-1])

"""Global linear AR(p) with intercept on d-times differenced series.

One coefficient vector is shared by all channels (channel-independent). Fitting is closed-form
least squares on normal equations accumulated chunk by chunk; forecasting is the recursive
(iterated) H-step forecast in differenced space, integrated back by cumulative sums. Because the
whole procedure is affine in the last ``p + d`` observed values, it is compiled once per horizon
into a :class:`~.linear.TailMap` and then applied to any number of windows with one matrix
product.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

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
            basis = np.vstack([np.eye(self.width), np.zeros((1, self.width))])
            out = recursive_forecast(basis, self.intercept, self.coef, self.d, horizon)
            bias = out[-1]
            self._maps[horizon] = TailMap(out[:-1] - bias, bias)
        return self._maps[horizon]

"""Closed-form linear forecasting pieces shared by the forecasting baselines.

* :class:`TailMap`: an affine map from the last ``width`` values of each channel's lookback to its
  ``horizon`` future values. Every forecaster here (last value, seasonal naive, DLinear, Auto-AR's
  recursive AR forecast composed with integration) is such a map, so all of them predict with one
  matrix product per chunk of windows.
* :func:`window_gram`: the Gram matrix of ``[1, z[o-before : o+after]]`` over stride-1 window
  origins ``o`` of a (T, C) series, accumulated chunk by chunk (memory bounded by ``chunk_rows``,
  independent of the number of windows).
* :func:`solve_normal`: a numerically safe solve of the normal equations.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from sfmbench.data import ForecastInputs, SeriesSplit
from sfmbench.errors import DataError

#: default number of (window, channel) rows processed at once
DEFAULT_CHUNK_ROWS = 32768


@dataclass(frozen=True)
class TailMap:
    """``forecast = tail @ weight + bias`` for every channel of every window."""

    weight: np.ndarray            # (width, horizon) float64
    bias: np.ndarray              # (horizon,) float64

    @property
    def width(self) -> int:
        return self.weight.shape[0]

    @property
    def horizon(self) -> int:
        return self.weight.shape[1]

    def apply(self, tails: np.ndarray) -> np.ndarray:
        """Tails (n, width, C) -> forecasts (n, horizon, C), float64."""
        n, width, c = tails.shape
        if width != self.width:
            raise ValueError(f"tails have width {width}, the map needs {self.width}")
        flat = np.ascontiguousarray(tails.transpose(0, 2, 1), dtype=np.float64).reshape(n * c, width)
        out = flat @ self.weight + self.bias
        return out.reshape(n, c, self.horizon).transpose(0, 2, 1)


def rows_per_chunk(n_channels: int, chunk_rows: int) -> int:
    """Windows per chunk so that windows x channels stays within ``chunk_rows`` (at least 1)."""
    return max(1, int(chunk_rows) // max(1, n_channels))


def split_windows(split: SeriesSplit, width: int, chunk_rows: int = DEFAULT_CHUNK_ROWS
                  ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(tails (n, width, C), targets (n, H, C)) over every stride-1 window of ``split``, chunked.

    Only the last ``width`` rows of each lookback are cut out, so a chunk costs
    ``n x (width + H) x C`` values whatever the lookback is.
    """
    if width > split.lookback:
        raise DataError(f"the forecaster needs {width} past values, the lookback is {split.lookback}",
                        "use a smaller lag/window or a task with a longer lookback")
    h = split.horizon
    rel = split.window_origins() - split.start
    view = np.lib.stride_tricks.sliding_window_view(split.values, width + h, axis=0)
    step = rows_per_chunk(split.values.shape[1], chunk_rows)
    for i in range(0, len(rel), step):
        w = view[rel[i:i + step] - width].transpose(0, 2, 1)   # (n, width + H, C)
        yield w[:, :width], w[:, width:]


def input_tails(inputs: ForecastInputs, width: int, chunk_rows: int = DEFAULT_CHUNK_ROWS
                ) -> Iterator[np.ndarray]:
    """The last ``width`` rows of every test lookback, chunked: (n, width, C) views."""
    if width > inputs.lookback:
        raise DataError(f"the forecaster needs {width} past values, the inputs give {inputs.lookback}",
                        "refit on a task with the same lookback as the test inputs")
    step = rows_per_chunk(inputs.n_channels, chunk_rows)
    for _, lb in inputs.batches(step):
        yield lb[:, lb.shape[1] - width:]


def forecast_mse(tail_map: TailMap, split: SeriesSplit, chunk_rows: int = DEFAULT_CHUNK_ROWS
                 ) -> float:
    """MSE of ``tail_map`` over every stride-1 window of ``split`` (channels x windows x steps),
    by forecasting each window (see :class:`WindowScorer` for many maps on one split)."""
    _require_windows(split)
    total, count = 0.0, 0
    for tails, targets in split_windows(split, tail_map.width, chunk_rows):
        err = tail_map.apply(tails) - targets
        total += float(np.einsum("ijk,ijk->", err, err))
        count += err.size
    return total / count


def _require_windows(split: SeriesSplit) -> None:
    if split.n_windows == 0:
        raise DataError("the validation split has no complete window",
                        f"it needs at least lookback + horizon = {split.lookback + split.horizon} rows")


class WindowScorer:
    """Exact MSE of any affine forecaster over every stride-1 window of a split, without
    forecasting a single window.

    With ``K = [bias; weight; -I]``, the squared errors of all windows sum to ``trace(K^T G K)``
    where ``G`` is the :func:`window_gram` of ``[1, last max_width values, H targets]`` over the
    split's windows; narrower maps use a sub-block. ``G`` is built once (cost linear in the
    series length); scoring a map then costs O((width + H)^2 H), whatever the number of windows.
    """

    def __init__(self, split: SeriesSplit, max_width: int, chunk_rows: int = DEFAULT_CHUNK_ROWS
                 ) -> None:
        _require_windows(split)
        if max_width > split.lookback:
            raise DataError(f"the forecaster needs {max_width} past values, the lookback is "
                            f"{split.lookback}", "use a smaller lag/window")
        rel = split.window_origins() - split.start
        self.max_width, self.horizon = max_width, split.horizon
        self.gram = window_gram(split.values, max_width, split.horizon, int(rel[0]), int(rel[-1]),
                                chunk_rows)
        self.count = split.n_windows * split.values.shape[1] * split.horizon

    def mse(self, tail_map: TailMap) -> float:
        w, h = tail_map.width, self.horizon
        if tail_map.horizon != h or w > self.max_width:
            raise ValueError(f"map of width {w} and horizon {tail_map.horizon} does not fit a "
                             f"scorer of width {self.max_width} and horizon {h}")
        # SSE = tr(K^T Gxx K) - 2 tr(K^T Gxy) + tr(Gyy) with K = [bias; weight]: the cost is
        # O(w^2 H), not O((w + H)^2 H)
        x = np.r_[0, np.arange(1 + self.max_width - w, 1 + self.max_width)]
        y = slice(1 + self.max_width, 1 + self.max_width + h)
        k = np.vstack([tail_map.bias[None], tail_map.weight])
        gxx = self.gram[np.ix_(x, x)]
        sse = (float(np.einsum("ij,ij->", k, gxx @ k))
               - 2.0 * float(np.einsum("ij,ij->", k, self.gram[x, y]))
               + self._yy)
        return max(sse, 0.0) / self.count

    @property
    def _yy(self) -> float:
        y = np.arange(1 + self.max_width, 1 + self.max_width + self.horizon)
        return float(self.gram[y, y].sum())


def predict_inputs(tail_map: TailMap, inputs: ForecastInputs,
                   chunk_rows: int = DEFAULT_CHUNK_ROWS) -> np.ndarray:
    """Forecasts (n_windows, H, C) float32 for every window of ``inputs``."""
    n, c = len(inputs), inputs.n_channels
    out = np.empty((n, tail_map.horizon, c), dtype=np.float32)
    i = 0
    for tails in input_tails(inputs, tail_map.width, chunk_rows):
        out[i:i + len(tails)] = tail_map.apply(tails)
        i += len(tails)
    return out


def window_gram(z: np.ndarray, before: int, after: int, first_origin: int | None = None,
                last_origin: int | None = None, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> np.ndarray:
    """Gram matrix of the rows ``[1, z[o-before], ..., z[o+after-1]]`` over origins and channels.

    Origins run over ``[first_origin, last_origin]`` (defaults: every complete window). Returns a
    (before + after + 1)^2 float64 matrix whose index 0 is the intercept column, then the window
    values oldest first.

    Windows are never materialized. Entry (a, a+k) is a sum of lag-k products
    ``q_k[u] = sum_c z[u, c] z[u+k, c]`` over a run of consecutive ``u``, so one prefix sum of
    ``q_k`` per lag gives a whole diagonal: O(width x T x C) work instead of the
    O(width^2 x T x C) of a product of all windows, and memory of one channel chunk (at most
    about ``chunk_rows x (width + 1)`` values, at least one channel).
    """
    z = np.asarray(z)
    t, c = z.shape
    width = before + after
    lo = before if first_origin is None else max(before, first_origin)
    hi = t - after if last_origin is None else min(t - after, last_origin)
    g = np.zeros((width + 1, width + 1))
    if hi < lo:
        return g
    n_win = hi - lo + 1
    seg = z[lo - before:hi - before + width]          # every row some window touches
    per = max(1, int(chunk_rows) * (width + 1) // len(seg))
    for c0 in range(0, c, per):
        x = np.asarray(seg[:, c0:c0 + per], dtype=np.float64)
        g[0, 0] += n_win * x.shape[1]
        g[0, 1:] += _run_sums(x.sum(axis=1), n_win, width)
        for k in range(width):
            q = np.einsum("tc,tc->t", x[:len(x) - k], x[k:])
            a = np.arange(width - k)
            g[1 + a, 1 + a + k] += _run_sums(q, n_win, width - k)
    upper = np.triu(g)
    return upper + np.triu(upper, 1).T


def _run_sums(q: np.ndarray, run: int, count: int) -> np.ndarray:
    """``[q[a:a+run].sum() for a in range(count)]`` via one prefix sum."""
    prefix = np.concatenate([[0.0], np.cumsum(q)])
    a = np.arange(count)
    return prefix[a + run] - prefix[a]


def solve_normal(xtx: np.ndarray, xty: np.ndarray, ridge: float = 0.0,
                 penalize: np.ndarray | None = None) -> np.ndarray:
    """Solve ``(xtx + ridge * diag(penalize)) b = xty`` safely in float64.

    Cholesky first; a singular or indefinite system gets a tiny relative ridge, and as a last
    resort a least-squares solve. ``penalize`` (default: all ones) masks unpenalized terms.
    """
    a = np.array(xtx, dtype=np.float64)
    b = np.asarray(xty, dtype=np.float64)
    pen = np.ones(len(a)) if penalize is None else np.asarray(penalize, dtype=np.float64)
    if ridge:
        a[np.diag_indices_from(a)] += ridge * pen
    scale = float(np.mean(np.abs(np.diag(a)))) or 1.0
    for jitter in (0.0, 1e-10, 1e-7):
        try:
            aj = a if not jitter else a + jitter * scale * np.eye(len(a))
            sol = scipy.linalg.cho_solve(scipy.linalg.cho_factor(aj, check_finite=True), b)
            if np.isfinite(sol).all():
                return sol
        except np.linalg.LinAlgError:
            continue
    return scipy.linalg.lstsq(a, b, lapack_driver="gelsd")[0]

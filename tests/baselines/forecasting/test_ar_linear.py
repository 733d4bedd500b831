"""The closed-form pieces: Gram accumulation, solves, recursive forecasts, differencing."""
from __future__ import annotations

import numpy as np
import pytest

from sfmbench.baselines.forecasting.ar import (ARModel, difference, integrate, lag_gram,
                                               recursive_forecast, solve_ar)
from sfmbench.baselines.forecasting.linear import (TailMap, WindowScorer, forecast_mse,
                                                   solve_normal, window_gram)
from sfmbench.baselines.forecasting.stationarity import kpss_order

from conftest import build_splits, simulate_ar


def materialized_design(z: np.ndarray, p: int, first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
    """AR design [1, z_{t-1}..z_{t-p}] and targets z_t for t in [first, last], channels stacked."""
    rows, ys = [], []
    for c in range(z.shape[1]):
        for t in range(first, last + 1):
            rows.append(np.r_[1.0, z[t - p:t, c][::-1]])
            ys.append(z[t, c])
    return np.array(rows), np.array(ys)


@pytest.mark.parametrize(("before", "after", "lo", "hi", "chunk"),
                         [(5, 1, None, None, 1), (7, 3, 20, 250, 3), (4, 2, None, None, 10**6),
                          (1, 1, 299, None, 7)])
def test_window_gram_matches_materialized_windows(before, after, lo, hi, chunk):
    z = np.random.default_rng(1).standard_normal((300, 3)).cumsum(0)
    g = window_gram(z, before, after, lo, hi, chunk_rows=chunk)
    lo_, hi_ = lo or before, min(hi or 300, 300 - after)
    w = np.array([np.r_[1.0, z[o - before:o + after, c]]
                  for o in range(lo_, hi_ + 1) for c in range(3)])
    np.testing.assert_allclose(g, w.T @ w, rtol=1e-10, atol=1e-8)


def test_window_gram_without_windows_is_zero():
    assert not window_gram(np.ones((10, 2)), 8, 3).any()


def test_normal_equations_match_direct_lstsq():
    z = np.random.default_rng(2).standard_normal((400, 4)).cumsum(0)
    p = 6
    intercept, coef = solve_ar(lag_gram(z, p, chunk_rows=5), p)
    x, y = materialized_design(z, p, p, len(z) - 1)
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    np.testing.assert_allclose(np.r_[intercept, coef], beta, rtol=1e-7, atol=1e-9)


def test_nested_lags_are_sub_blocks_of_the_max_lag_gram():
    z = np.random.default_rng(3).standard_normal((300, 2))
    big = lag_gram(z, 10)
    small = lag_gram(z, 4, first_target=10)
    idx = np.r_[0:5, 11]
    np.testing.assert_allclose(big[np.ix_(idx, idx)], small, rtol=1e-12)
    x, y = materialized_design(z, 4, 10, len(z) - 1)
    np.testing.assert_allclose(np.r_[solve_ar(big, 4)[0], solve_ar(big, 4)[1]],
                               np.linalg.lstsq(x, y, rcond=None)[0], rtol=1e-8, atol=1e-10)


def test_ar_recovers_known_coefficients():
    true = np.array([0.5, -0.3, 0.2])
    z = simulate_ar(true, 20000, 3, seed=4, intercept=0.4)
    intercept, coef = solve_ar(lag_gram(z, 3), 3)
    np.testing.assert_allclose(coef, true, atol=0.02)
    assert intercept == pytest.approx(0.4, abs=0.03)


def hand_rolled(tail: np.ndarray, intercept: float, coef: np.ndarray, d: int, h: int) -> np.ndarray:
    """One series at a time, one step at a time, integrating with explicit loops."""
    out = []
    for series in tail:
        levels = [list(series)]
        for _ in range(d):
            levels.append(list(np.diff(levels[-1])))
        z = levels[-1]
        for _ in range(h):
            z.append(intercept + sum(coef[k] * z[-1 - k] for k in range(len(coef))))
            for level in range(d - 1, -1, -1):   # each lower level gains last + new difference
                levels[level].append(levels[level][-1] + levels[level + 1][-1])
        out.append(levels[0][-h:])
    return np.array(out)


@pytest.mark.parametrize("d", [0, 1, 2])
def test_recursive_forecast_and_tail_map_match_a_loop(d):
    rng = np.random.default_rng(5)
    coef = np.array([0.6, -0.2, 0.1, 0.05])
    tail = rng.standard_normal((6, len(coef) + d)).cumsum(1)
    expected = hand_rolled(tail, 0.1, coef, d, 9)
    np.testing.assert_allclose(recursive_forecast(tail, 0.1, coef, d, 9), expected, rtol=1e-10)
    tmap = ARModel(0.1, coef, d).tail_map(9)
    assert (tmap.width, tmap.horizon) == (len(coef) + d, 9)
    lookbacks = tail[:, :, None]                  # (n, width, C=1)
    np.testing.assert_allclose(tmap.apply(lookbacks)[:, :, 0], expected, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("d", [0, 1, 2])
def test_difference_integrate_round_trip(d):
    x = np.random.default_rng(6).standard_normal((5, 30)).cumsum(1)
    tail, future = x[:, :10], x[:, 10:]
    dz = difference(x, d, axis=1)[:, 10 - d:]
    np.testing.assert_allclose(integrate(tail, dz, d), future, rtol=1e-10, atol=1e-10)


def test_solve_normal_survives_singular_systems():
    a = np.ones((3, 3))                           # rank 1
    sol = solve_normal(a, np.array([3.0, 3.0, 3.0]))
    assert np.isfinite(sol).all()
    np.testing.assert_allclose(a @ sol, [3.0, 3.0, 3.0], rtol=1e-4)


def test_tail_map_rejects_a_wrong_width():
    with pytest.raises(ValueError, match="width"):
        TailMap(np.zeros((4, 2)), np.zeros(2)).apply(np.zeros((1, 3, 1)))


def test_kpss_order_is_bounded_and_finds_the_integration_order():
    rng = np.random.default_rng(7)
    noise = rng.standard_normal((1500, 2))
    assert kpss_order(noise) == 0
    assert kpss_order(noise.cumsum(0)) == 1
    assert kpss_order(noise.cumsum(0).cumsum(0)) == 2
    # never more than max_d, even for a series no differencing makes stationary-looking
    assert kpss_order(np.exp(np.linspace(0, 20, 1500))[:, None], max_d=2) <= 2


def test_window_scorer_equals_forecasting_every_window():
    rng = np.random.default_rng(8)
    splits = build_splits(rng.standard_normal((400, 3)).cumsum(0), 200, 120, 16, 5)
    scorer = WindowScorer(splits.val, 12, chunk_rows=7)
    for width in (1, 5, 12):
        tmap = TailMap(rng.standard_normal((width, 5)) * 0.3, rng.standard_normal(5))
        direct = forecast_mse(tmap, splits.val, chunk_rows=11)
        assert scorer.mse(tmap) == pytest.approx(direct, rel=1e-9)
    with pytest.raises(ValueError, match="does not fit"):
        scorer.mse(TailMap(np.zeros((13, 5)), np.zeros(5)))

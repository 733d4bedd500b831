"""Auto-AR: selection on validation only, refit without a duplicated seam, chunked prediction."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from sfmbench import METHODS
from sfmbench.baselines.forecasting.ar import ARModel, difference, lag_gram
from sfmbench.baselines.forecasting.autoar import AutoAR
from sfmbench.baselines.forecasting.linear import TailMap, forecast_mse
from sfmbench.context import RunContext
from sfmbench.data import ArraySplit
from sfmbench.errors import ConfigError, DataError

from conftest import build_splits, simulate_ar

PARAMS = {"lags": [4, 8, 16, 32], "d_candidates": [0, 1]}


@pytest.fixture
def ar_splits():
    x = simulate_ar(np.array([0.6, -0.25, 0.1]), 1400, 3, seed=11) + np.linspace(0, 1, 1400)[:, None]
    return build_splits(x, 800, 300, 48, 8)


def fitted(splits, ctx, **params):
    m = AutoAR(splits.spec, {**PARAMS, **params}, ctx)
    return m, m.fit(splits.train, splits.val)


def test_registered_with_its_config():
    assert METHODS.get("autoar") is AutoAR and AutoAR.tuned and AutoAR.kind == "baseline"
    conf = yaml.safe_load((Path(__file__).parents[3] / "conf/model/autoar.yaml").read_text())
    assert conf["method"] == "autoar" and set(conf["budgets"]) == {"smoke", "cpu", "paper"}
    assert set(conf["params"]) <= set(AutoAR.defaults)


def test_fit_reports_the_validation_choice(ar_splits, ctx):
    m, report = fitted(ar_splits, ctx)
    p, d = report.hyperparameters["p"], report.hyperparameters["d"]
    assert p in PARAMS["lags"] and d in (0, 1) and report.n_trials == 8
    # best_val_metric is the H-step val MSE of that (p, d) fitted on train only
    train_only = ARModel.from_gram(lag_gram(difference(ar_splits.train.values, d), 32), p, d)
    assert report.best_val_metric == pytest.approx(
        forecast_mse(train_only.tail_map(8), ar_splits.val), rel=1e-9)
    # and no other grid point was better on validation
    for q in PARAMS["lags"]:
        for e in (0, 1):
            other = ARModel.from_gram(lag_gram(difference(ar_splits.train.values, e), 32), q, e)
            assert forecast_mse(other.tail_map(8), ar_splits.val) >= report.best_val_metric - 1e-12
    # it beats the last-value forecast on validation (never judged on test)
    last_value = TailMap(np.ones((1, 8)), np.zeros(8))
    assert report.best_val_metric < forecast_mse(last_value, ar_splits.val)
    pred = m.predict(ar_splits.inputs)
    assert pred.shape == (len(ar_splits.inputs), 8, 3) and pred.dtype == np.float32


def test_selection_never_sees_test_rows(ctx, make_splits):
    x = simulate_ar(np.array([0.5, 0.2]), 1400, 2, seed=3)
    base = make_splits(x, 800, 300, 40, 6)
    y = x.copy()
    y[1100:] = np.random.default_rng(0).standard_normal(y[1100:].shape) * 50   # test rows only
    moved = make_splits(y, 800, 300, 40, 6)
    (m1, r1), (m2, r2) = fitted(base, ctx), fitted(moved, RunContext(device="cpu"))
    assert r1.hyperparameters == r2.hyperparameters and r1.best_val_metric == r2.best_val_metric
    np.testing.assert_array_equal(m1.model.coef, m2.model.coef)
    # predictions on different inputs leave the fitted choice alone
    m1.predict(moved.inputs)
    assert (m1.model.p, m1.model.d) == (r1.hyperparameters["p"], r1.hyperparameters["d"])
    # while validation rows do matter
    z = x.copy()
    z[800:1100] += np.random.default_rng(1).standard_normal(z[800:1100].shape)
    _, r3 = fitted(make_splits(z, 800, 300, 40, 6), RunContext(device="cpu"))
    assert r3.best_val_metric != r1.best_val_metric


def test_refit_uses_train_and_val_rows_once(ar_splits, ctx):
    m, report = fitted(ar_splits, ctx)
    p, d = m.model.p, m.model.d
    series = np.concatenate([ar_splits.train.values, ar_splits.val.own]).astype(np.float64)
    assert len(series) == 1100                    # no duplicated seam rows
    z = difference(series, d)
    p_max = max(PARAMS["lags"])
    assert report.extra["refit_rows"] == (len(z) - p_max) * 3
    rows = [np.r_[1.0, z[t - p:t, c][::-1]] for c in range(3) for t in range(p_max, len(z))]
    ys = [z[t, c] for c in range(3) for t in range(p_max, len(z))]
    beta = np.linalg.lstsq(np.array(rows), np.array(ys), rcond=None)[0]
    np.testing.assert_allclose(np.r_[m.model.intercept, m.model.coef], beta, rtol=1e-6, atol=1e-8)


def test_prediction_is_chunk_invariant(ar_splits, ctx):
    m, _ = fitted(ar_splits, ctx)
    full = m.predict(ar_splits.inputs)
    inp = ar_splits.inputs
    parts = [m.predict(inp.slice(i, i + 50)) for i in range(0, len(inp), 50)]
    np.testing.assert_allclose(np.concatenate(parts), full, rtol=1e-6)
    m.params.max_chunk_rows = 5
    np.testing.assert_allclose(m.predict(inp), full, rtol=1e-6)


def test_search_is_deterministic(ar_splits, ctx):
    m1, first = fitted(ar_splits, ctx)
    m2, again = fitted(ar_splits, RunContext(device="cpu"))
    assert again.n_trials == first.n_trials == 8
    assert again.hyperparameters == first.hyperparameters
    assert again.best_val_metric == first.best_val_metric
    np.testing.assert_array_equal(m1.predict(ar_splits.inputs), m2.predict(ar_splits.inputs))


@pytest.mark.parametrize("d_candidates", [[0, 1, 2], "kpss"])
def test_default_searches_every_lag_and_picks_the_validation_argmin(ar_splits, ctx,
                                                                    d_candidates):
    """Default lags: every p in 1..lookback - d; the choice is the argmin of the H-step val MSE
    of the model fitted on train only (checked by brute force, one lag at a time)."""
    m = AutoAR(ar_splits.spec, {"d_candidates": d_candidates}, ctx)
    report = m.fit(ar_splits.train, ar_splits.val)
    ds = report.extra["d_candidates"]
    lookback = ar_splits.val.lookback
    assert report.n_trials == sum(lookback - d for d in ds)
    brute = {}
    for d in ds:
        # every lag is fitted on the same targets: those with the longest lag's full history
        gram = lag_gram(difference(ar_splits.train.values, d), lookback - d)
        for p in range(1, lookback - d + 1):
            model = ARModel.from_gram(gram, p, d)
            brute[(p, d)] = forecast_mse(model.tail_map(8), ar_splits.val)
    best = min(brute, key=lambda k: (brute[k], k))
    assert (report.hyperparameters["p"], report.hyperparameters["d"]) == best
    assert report.best_val_metric == pytest.approx(brute[best], rel=1e-8)
    listed = report.extra["best_candidates"]
    assert listed[0] == {"p": best[0], "d": best[1], "val_mse": report.best_val_metric}
    assert [c["val_mse"] for c in listed] == sorted(c["val_mse"] for c in listed)


def test_forecast_map_equals_the_iterated_forecast():
    from sfmbench.baselines.forecasting.ar import forecast_map, recursive_forecast

    rng = np.random.default_rng(0)
    for d in (0, 1, 2):
        coef, tails = rng.normal(size=6) * 0.3, rng.normal(size=(4, 6 + d))
        direct = recursive_forecast(tails, 0.2, coef, d, 9)
        mapped = forecast_map(0.2, coef, d, 9).apply(tails[:, :, None])[:, :, 0]
        np.testing.assert_allclose(mapped, direct, rtol=1e-10, atol=1e-12)


def test_nested_fits_equal_separate_least_squares():
    from sfmbench.baselines.forecasting.ar import nested_ar_fits, solve_ar

    z = np.random.default_rng(2).standard_normal((400, 3)).cumsum(0)
    gram = lag_gram(z, 15)
    for p, intercept, coef in nested_ar_fits(gram, list(range(1, 16))):
        ref_intercept, ref_coef = solve_ar(lag_gram(z, 15), p)
        np.testing.assert_allclose(coef, ref_coef, rtol=1e-7, atol=1e-10)
        assert intercept == pytest.approx(ref_intercept, rel=1e-7, abs=1e-10)


def test_kpss_default_picks_one_order(ar_splits, ctx):
    m, report = fitted(ar_splits, ctx, d_candidates="kpss")
    assert len(report.extra["d_candidates"]) == 1 and report.n_trials == 4


def test_lag_grid_is_clamped_to_the_lookback(ar_splits, ctx):
    _, report = fitted(ar_splits, ctx, lags=[64, 128], d_candidates=[1])
    assert report.extra["lag_grid"] == [47] and report.hyperparameters["p"] == 47
    _, report = fitted(ar_splits, ctx, lags="all", d_candidates=[2])
    assert report.extra["lag_grid"] == "1..46" and report.n_trials == 46


def test_bad_inputs_fail_clearly(ar_splits, ctx, make_splits):
    x = np.random.default_rng(0).standard_normal((40, 2))
    short = make_splits(x, 6, 20, 4, 2)
    with pytest.raises(DataError, match="needs more"):
        AutoAR(short.spec, {"lags": [64], "d_candidates": [1]}, ctx).fit(short.train, short.val)
    tiny = make_splits(x, 10, 20, 2, 2)
    with pytest.raises(DataError, match="too short"):
        AutoAR(tiny.spec, {"lags": [8], "d_candidates": [2]}, ctx).fit(tiny.train, tiny.val)
    with pytest.raises(ConfigError, match="d_candidates"):
        fitted(ar_splits, ctx, d_candidates=[3])
    with pytest.raises(ConfigError, match="d_candidates"):
        fitted(ar_splits, ctx, d_candidates="adf")
    with pytest.raises(ConfigError, match="lags"):
        fitted(ar_splits, ctx, lags="some")
    with pytest.raises(DataError, match="SeriesSplit"):
        AutoAR(ar_splits.spec, {}, ctx).fit(ArraySplit(np.zeros((2, 1, 3)), np.zeros(2)),
                                            ar_splits.val)
    with pytest.raises(RuntimeError, match="not fitted"):
        AutoAR(ar_splits.spec, {}, ctx).predict(ar_splits.inputs)
    bad = ar_splits.train.values.copy()
    bad[5, 0] = np.nan
    ar_splits.train.values = bad
    with pytest.raises(DataError, match="finite"):
        fitted(ar_splits, ctx)

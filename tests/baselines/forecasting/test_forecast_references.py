"""Reference forecasters: last value, seasonal naive, DLinear."""
from __future__ import annotations

import numpy as np
import pytest

from sfmbench import METHODS
from sfmbench.baselines.forecasting.dlinear import DLinear, moving_average_operator
from sfmbench.baselines.forecasting.naive import LastValue, SeasonalNaive
from sfmbench.errors import ConfigError, DataError


def test_all_four_are_registered():
    names = {"autoar", "seasonal-naive", "last-value", "dlinear"}
    assert names <= set(METHODS.list())
    assert METHODS.get("last-value") is LastValue and not LastValue.tuned
    assert METHODS.get("seasonal-naive") is SeasonalNaive and not SeasonalNaive.tuned


def test_last_value_repeats_the_last_observation(seasonal_splits, ctx):
    m = LastValue(seasonal_splits.spec, {}, ctx)
    assert m.fit(seasonal_splits.train, seasonal_splits.val).best_val_metric > 0
    pred = m.predict(seasonal_splits.inputs)
    last = seasonal_splits.inputs.lookbacks()[:, -1]
    np.testing.assert_array_equal(pred, np.repeat(last[:, None], 12, axis=1).astype(np.float32))


def test_seasonal_naive_picks_the_true_period_on_validation(seasonal_splits, ctx):
    m = SeasonalNaive(seasonal_splits.spec, {"periods": [7, 24, 60]}, ctx)
    report = m.fit(seasonal_splits.train, seasonal_splits.val)
    assert report.hyperparameters == {"period": 24} and report.n_trials == 3
    lb = seasonal_splits.inputs.lookbacks()
    pred = m.predict(seasonal_splits.inputs)
    np.testing.assert_array_equal(pred[:, :12], lb[:, -24:-12])   # horizon 12 < period 24
    fixed = SeasonalNaive(seasonal_splits.spec, {"period": 7}, ctx)
    assert fixed.fit(seasonal_splits.train, seasonal_splits.val).hyperparameters == {"period": 7}
    np.testing.assert_array_equal(fixed.predict(seasonal_splits.inputs)[:, 7], lb[:, -7])


def test_seasonal_naive_rejects_periods_beyond_the_lookback(seasonal_splits, ctx):
    with pytest.raises(ConfigError, match="lookback"):
        SeasonalNaive(seasonal_splits.spec, {"periods": [168]}, ctx).fit(
            seasonal_splits.train, seasonal_splits.val)


def test_moving_average_matches_dlinear_replicate_padding():
    x = np.random.default_rng(0).standard_normal(20)
    k = 5
    padded = np.r_[np.repeat(x[0], 2), x, np.repeat(x[-1], 2)]
    expected = np.convolve(padded, np.ones(k) / k, mode="valid")
    np.testing.assert_allclose(x @ moving_average_operator(20, k), expected, rtol=1e-12)
    with pytest.raises(ConfigError, match="odd"):
        moving_average_operator(20, 4)


def test_dlinear_learns_the_seasonal_series(seasonal_splits, ctx):
    m = DLinear(seasonal_splits.spec, {"ridges": [1e-3, 1e-1, 10.0], "max_chunk_rows": 64}, ctx)
    report = m.fit(seasonal_splits.train, seasonal_splits.val)
    assert report.hyperparameters["ridge"] in (1e-3, 1e-1, 10.0) and report.n_trials == 3
    pred = m.predict(seasonal_splits.inputs)
    targets = seasonal_splits.targets.targets()
    lb = seasonal_splits.inputs.lookbacks()
    snaive = lb[:, -24:-12]
    assert ((pred - targets) ** 2).mean() < 0.8 * ((snaive - targets) ** 2).mean()
    with pytest.raises(DataError, match="horizon"):
        m.tail_map(5)


def test_dlinear_ridge_is_chosen_without_test_rows(ctx, make_splits, seasonal_splits):
    x = np.concatenate([seasonal_splits.train.values, seasonal_splits.val.own,
                        seasonal_splits.targets.values])
    y = x.copy()
    y[1300:] = 100.0
    fits = [DLinear(seasonal_splits.spec, {"ridges": [1e-3, 1.0]}, ctx).fit(
        s.train, s.val) for s in (make_splits(x, 1000, 300, 64, 12), make_splits(y, 1000, 300, 64, 12))]
    assert fits[0].hyperparameters == fits[1].hyperparameters
    assert fits[0].best_val_metric == fits[1].best_val_metric

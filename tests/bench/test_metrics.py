"""Harness metrics."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score, matthews_corrcoef, mean_absolute_error, mean_squared_error

from sfmbench import DataError, ProblemType, TaskSpec
from sfmbench.metrics import MetricSuite, compute_metrics, score

CLS = TaskSpec(name="t", domain="genomics", problem=ProblemType.CLASSIFICATION,
               input_shape=(5, 10), num_classes=3, primary_metric="mcc", higher_is_better=True,
               metrics=("mcc", "f1_macro", "accuracy"))
REG = TaskSpec(name="r", domain="timeseries", problem=ProblemType.FORECASTING,
               input_shape=(8, 2), primary_metric="mse", higher_is_better=False,
               metrics=("mse", "mae"), horizon=3, lookback=8)


def test_classification_metrics_match_sklearn() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    scores = rng.normal(size=(300, 3)) + np.eye(3)[y] * 1.2
    m = compute_metrics(CLS, scores, y)
    pred = scores.argmax(1)
    assert m["mcc"] == pytest.approx(matthews_corrcoef(y, pred), abs=1e-5)
    assert m["f1_macro"] == pytest.approx(f1_score(y, pred, average="macro"), abs=1e-5)
    assert m["accuracy"] == pytest.approx((pred == y).mean(), abs=1e-6)
    assert score(CLS, scores, y) == pytest.approx(m["mcc"])


def test_streamed_forecast_metrics_match_one_shot() -> None:
    rng = np.random.default_rng(1)
    p, t = rng.normal(size=(50, 3, 2)), rng.normal(size=(50, 3, 2))
    suite = MetricSuite(REG)
    for i in range(0, 50, 7):
        suite.update(p[i:i + 7], t[i:i + 7])
    m = suite.compute()
    assert m["mse"] == pytest.approx(mean_squared_error(t.ravel(), p.ravel()), rel=1e-9)
    assert m["mae"] == pytest.approx(mean_absolute_error(t.ravel(), p.ravel()), rel=1e-9)


def test_bad_predictions_are_clear() -> None:
    with pytest.raises(DataError, match="shape"):
        compute_metrics(REG, np.zeros((5, 3, 1)), np.zeros((5, 3, 2)))
    with pytest.raises(DataError, match="NaN"):
        compute_metrics(REG, np.full((5, 3, 2), np.nan), np.zeros((5, 3, 2)))
    with pytest.raises(DataError, match="fractional"):
        compute_metrics(CLS, np.array([0.2, 0.9, 0.4]), np.array([0, 1, 0]))

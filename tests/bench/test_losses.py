"""Per-example records recompute every task metric on any resample of the test examples."""
from __future__ import annotations

import numpy as np
import pytest

from sfmbench.losses import ExampleWriter, load_examples, resample_metric
from sfmbench.metrics import compute_metrics
from sfmbench.specs import ProblemType, TaskSpec


def spec_of(problem: ProblemType, metrics: tuple[str, ...], k: int | None = None,
            shape: tuple[int, ...] = (4,)) -> TaskSpec:
    return TaskSpec("t", "generated", problem, shape, metrics[0], True, metrics, num_classes=k,
                    horizon=3 if problem is ProblemType.FORECASTING else None)


def records(spec: TaskSpec, preds: np.ndarray, targets: np.ndarray, tmp_path) -> dict:
    """Written in two interleaved groups (as the harness hands out forecast windows), reloaded."""
    w = ExampleWriter(spec, len(targets))
    for idx in (np.arange(0, len(targets), 2), np.arange(1, len(targets), 2)):
        w.add(idx, preds[idx], targets[idx])
    return load_examples(w.save(tmp_path / "job.examples.npz"))


def check(spec, preds, targets, tmp_path, rtol=1e-6):
    arrays = records(spec, preds, targets, tmp_path)
    rng = np.random.default_rng(0)
    n = len(targets)
    draws = [np.arange(n), rng.integers(0, n, n), rng.integers(0, n, n)]
    counts = np.stack([np.bincount(d, minlength=n) for d in draws])
    for metric in spec.metrics:
        got = resample_metric(metric, arrays, counts)
        want = [compute_metrics(spec, preds[d], targets[d])[metric] for d in draws]
        np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-6, err_msg=metric)


@pytest.mark.parametrize("k", [2, 4])
def test_classification_metrics_from_label_pairs(k, tmp_path):
    rng = np.random.default_rng(k)
    targets = rng.integers(0, k, 300)
    scores = rng.random((300, k)) + 1.5 * np.eye(k)[targets] * (rng.random(300) < 0.6)[:, None]
    check(spec_of(ProblemType.CLASSIFICATION, ("mcc", "f1", "accuracy"), k), scores, targets,
          tmp_path)


def test_forecasting_and_regression_errors(tmp_path):
    rng = np.random.default_rng(1)
    y = rng.standard_normal((50, 3, 2))
    check(spec_of(ProblemType.FORECASTING, ("mse", "mae", "rmse"), shape=(8, 2)),
          y + 0.3 * rng.standard_normal(y.shape), y, tmp_path)
    t = rng.standard_normal(80)
    check(spec_of(ProblemType.REGRESSION, ("r2", "mse", "rmse")), t + 0.5 * rng.standard_normal(80),
          t, tmp_path)


def test_segmentation_from_per_image_confusions(tmp_path):
    rng = np.random.default_rng(2)
    t = rng.integers(0, 3, (20, 6, 6))
    p = np.where(rng.random(t.shape) < 0.7, t, rng.integers(0, 3, t.shape))
    check(spec_of(ProblemType.SEGMENTATION, ("miou", "pixel_accuracy"), 3, (1, 6, 6)), p, t,
          tmp_path)


def test_multilabel_micro_f1_from_counts_and_map_by_recomputation(tmp_path):
    rng = np.random.default_rng(3)
    t = (rng.random((60, 5)) < 0.3).astype(np.int64)
    logits = 2.0 * (t - 0.5) + rng.standard_normal(t.shape)
    check(spec_of(ProblemType.MULTILABEL, ("f1_micro", "map_micro"), 5, (5,)), logits, t, tmp_path)

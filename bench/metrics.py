"""Test metrics, computed by the harness from predictions, the same way for every method.

Metrics are torchmetrics objects, updated chunk by chunk so that forecasting tasks with millions
of windows are scored without materializing every prediction. Register new metrics with
:func:`register_metric`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torchmetrics as tm

from .errors import ConfigError, DataError
from .specs import ProblemType, TaskSpec

MetricFactory = Callable[[TaskSpec], tm.Metric]
_METRICS: dict[str, MetricFactory] = {}


def register_metric(name: str) -> Callable[[MetricFactory], MetricFactory]:
    def deco(fn: MetricFactory) -> MetricFactory:
        _METRICS[name] = fn
        return fn
    return deco


def metric_names() -> list[str]:
    return sorted(_METRICS)


def _cls_task(spec: TaskSpec) -> dict[str, Any]:
    k = spec.num_classes or 2
    return {"task": "binary"} if k == 2 else {"task": "multiclass", "num_classes": k}


def _ml(spec: TaskSpec) -> dict[str, Any]:
    return {"task": "multilabel", "num_labels": spec.num_classes}


# regression and forecasting
register_metric("mse")(lambda s: tm.MeanSquaredError())
register_metric("mae")(lambda s: tm.MeanAbsoluteError())
register_metric("rmse")(lambda s: tm.MeanSquaredError(squared=False))
register_metric("r2")(lambda s: tm.R2Score())
# single-label classification (binary F1 for 2 classes, macro F1 otherwise)
register_metric("mcc")(lambda s: tm.MatthewsCorrCoef(**_cls_task(s)))
register_metric("accuracy")(lambda s: tm.Accuracy(**_cls_task(s)))
register_metric("f1")(lambda s: tm.F1Score(**_cls_task(s)) if (s.num_classes or 2) == 2
                      else tm.F1Score(**_cls_task(s), average="macro"))
register_metric("f1_macro")(lambda s: tm.F1Score(task="multiclass", num_classes=s.num_classes or 2,
                                                  average="macro"))
register_metric("auroc")(lambda s: tm.AUROC(**_cls_task(s)))
# multi-label
register_metric("map_macro")(lambda s: tm.AveragePrecision(**_ml(s), average="macro"))
register_metric("map_micro")(lambda s: tm.AveragePrecision(**_ml(s), average="micro"))
register_metric("f1_micro")(lambda s: tm.F1Score(**_ml(s), average="micro"))
register_metric("f1_multilabel_macro")(lambda s: tm.F1Score(**_ml(s), average="macro"))
# segmentation
register_metric("miou")(lambda s: tm.JaccardIndex(task="multiclass", num_classes=s.num_classes,
                                                  average="macro"))
register_metric("pixel_accuracy")(lambda s: tm.Accuracy(task="multiclass",
                                                         num_classes=s.num_classes))

# metrics that need class scores rather than hard labels
_NEEDS_SCORES = {"auroc", "map_macro", "map_micro"}


def _as_tensor(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a))


class MetricSuite:
    """All metrics of a task, fed chunk by chunk with (predictions, targets)."""

    def __init__(self, spec: TaskSpec, only: tuple[str, ...] | None = None) -> None:
        names = only or spec.metrics
        unknown = [m for m in names if m not in _METRICS]
        if unknown:
            raise ConfigError(f"task {spec.name!r} names unknown metric(s) {unknown}",
                              f"known metrics: {', '.join(metric_names())}")
        self.spec = spec
        self.metrics = {m: _METRICS[m](spec) for m in names}
        if spec.problem in (ProblemType.REGRESSION, ProblemType.FORECASTING):
            # float64 states: sums over millions of forecast values stay exact to ~1e-12
            self.metrics = {k: m.set_dtype(torch.float64) for k, m in self.metrics.items()}
        self.n = 0

    def update(self, preds: np.ndarray, targets: np.ndarray) -> None:
        p = np.asarray(preds)
        t = np.asarray(targets)
        problem = self.spec.problem
        if problem in (ProblemType.REGRESSION, ProblemType.FORECASTING):
            if p.shape != t.shape:
                raise DataError(f"predictions have shape {p.shape}, targets {t.shape}",
                                "a method must return one prediction per target value")
            if not np.isfinite(p).all():
                raise DataError("predictions contain NaN or inf", "check the method for divergence")
            pt, tt = _as_tensor(p.astype(np.float64)).reshape(-1), _as_tensor(t.astype(np.float64)).reshape(-1)
            for m in self.metrics.values():
                m.update(pt, tt)
        else:
            self._update_labels(p, t)
        self.n += len(t)

    def _update_labels(self, p: np.ndarray, t: np.ndarray) -> None:
        problem, k = self.spec.problem, self.spec.num_classes or 2
        tt = _as_tensor(t.astype(np.int64))
        if problem is ProblemType.MULTILABEL:
            scores = _as_tensor(p.astype(np.float32))
            hard = scores
        elif problem is ProblemType.CLASSIFICATION:
            if p.ndim == 1:  # hard labels
                if not np.all(np.mod(p, 1) == 0):
                    raise DataError("1-D classification predictions must be class labels, got "
                                    "fractional values", "return (N, K) class scores, or labels")
                hard, scores = _as_tensor(p.astype(np.int64)), None
            else:
                probs = _softmax_if_needed(p.astype(np.float64))
                hard = _as_tensor(probs.argmax(1))
                scores = _as_tensor(probs[:, 1] if k == 2 else probs).float()
        else:  # segmentation
            hard = _as_tensor((p.argmax(1) if p.ndim == t.ndim + 1 else p).astype(np.int64))
            scores = None
        for name, m in self.metrics.items():
            if name in _NEEDS_SCORES:
                if scores is None:
                    raise DataError(f"metric {name} needs class scores, the method gave labels",
                                    "return (N, K) scores from predict()")
                m.update(scores, tt)
            else:
                m.update(hard, tt)

    def compute(self) -> dict[str, float]:
        return {name: float(m.compute()) for name, m in self.metrics.items()}


def _softmax_if_needed(p: np.ndarray) -> np.ndarray:
    """Scores that already are probabilities pass through; logits go through a softmax."""
    if (p >= 0).all() and np.allclose(p.sum(1), 1.0, atol=1e-4):
        return p
    e = np.exp(p - p.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def compute_metrics(spec: TaskSpec, preds: np.ndarray, targets: np.ndarray) -> dict[str, float]:
    """One-shot convenience: every metric of ``spec`` for complete predictions."""
    suite = MetricSuite(spec)
    suite.update(preds, targets)
    return suite.compute()


def score(spec: TaskSpec, preds: np.ndarray, targets: np.ndarray, metric: str | None = None) -> float:
    """One metric (default: the primary) for validation use inside methods."""
    name = metric or spec.primary_metric
    suite = MetricSuite(spec, only=(name,))
    suite.update(preds, targets)
    return suite.compute()[name]

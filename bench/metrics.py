"""Test metrics, computed by the harness from predictions, the same way for every method.

Metrics are updated chunk by chunk so that forecasting tasks with millions of windows are scored
without materializing every prediction. Regression and forecasting metrics are exact float64
running sums (``_Running``); classification, multi-label and segmentation metrics are
torchmetrics objects. ``torchmetrics`` is imported only when a task asks for one of its metrics:
importing it loads every metric family it has (torchvision, transformers, scipy), which costs
seconds before a job could start. Register new metrics with :func:`register_metric`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from .errors import ConfigError, DataError
from .specs import ProblemType, TaskSpec

if TYPE_CHECKING:
    import torch


class StreamingMetric(Protocol):
    """What MetricSuite needs of a metric: torchmetrics' ``update``/``compute``."""

    def update(self, preds: Any, target: Any) -> None: ...

    def compute(self) -> Any: ...


MetricFactory = Callable[[TaskSpec], StreamingMetric]
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


def _tm(class_name: str, **fixed: Any) -> Callable[..., StreamingMetric]:
    """A factory of the torchmetrics class ``class_name``, importing torchmetrics on first use."""
    def build(**kwargs: Any) -> StreamingMetric:
        import torchmetrics
        return getattr(torchmetrics, class_name)(**fixed, **kwargs)
    return build


class _Running:
    """Exact float64 running sums over every value seen (mse, mae, rmse, r2)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.n = 0
        self.sum_sq = self.sum_abs = self.sum_t = self.sum_t2 = 0.0

    def update(self, preds: "np.ndarray | torch.Tensor", target: "np.ndarray | torch.Tensor") -> None:
        p = np.asarray(preds, dtype=np.float64).reshape(-1)
        t = np.asarray(target, dtype=np.float64).reshape(-1)
        err = p - t
        self.n += t.size
        self.sum_sq += float(np.dot(err, err))
        self.sum_abs += float(np.abs(err).sum())
        self.sum_t += float(t.sum())
        self.sum_t2 += float(np.dot(t, t))

    def compute(self) -> float:
        if self.n == 0:
            raise DataError("no predictions were scored", "the test split is empty")
        if self.kind == "mse":
            return self.sum_sq / self.n
        if self.kind == "rmse":
            return float(np.sqrt(self.sum_sq / self.n))
        if self.kind == "mae":
            return self.sum_abs / self.n
        total = self.sum_t2 - self.sum_t ** 2 / self.n
        return 1.0 - self.sum_sq / total if total > 0 else float("nan")


# regression and forecasting
for _name in ("mse", "mae", "rmse", "r2"):
    register_metric(_name)(lambda s, _k=_name: _Running(_k))
# single-label classification (binary F1 for 2 classes, macro F1 otherwise)
register_metric("mcc")(lambda s: _tm("MatthewsCorrCoef")(**_cls_task(s)))
register_metric("accuracy")(lambda s: _tm("Accuracy")(**_cls_task(s)))
register_metric("f1")(lambda s: _tm("F1Score")(**_cls_task(s)) if (s.num_classes or 2) == 2
                      else _tm("F1Score")(**_cls_task(s), average="macro"))
register_metric("f1_macro")(lambda s: _tm("F1Score")(task="multiclass",
                                                     num_classes=s.num_classes or 2,
                                                     average="macro"))
register_metric("auroc")(lambda s: _tm("AUROC")(**_cls_task(s)))
# multi-label
register_metric("map_macro")(lambda s: _tm("AveragePrecision")(**_ml(s), average="macro"))
register_metric("map_micro")(lambda s: _tm("AveragePrecision")(**_ml(s), average="micro"))
register_metric("f1_micro")(lambda s: _tm("F1Score")(**_ml(s), average="micro"))
register_metric("f1_multilabel_macro")(lambda s: _tm("F1Score")(**_ml(s), average="macro"))
# segmentation
register_metric("miou")(lambda s: _tm("JaccardIndex")(task="multiclass",
                                                      num_classes=s.num_classes,
                                                      average="macro"))
register_metric("pixel_accuracy")(lambda s: _tm("Accuracy")(task="multiclass",
                                                            num_classes=s.num_classes))

# metrics that need class scores rather than hard labels
_NEEDS_SCORES = {"auroc", "map_macro", "map_micro"}


def _as_tensor(a: np.ndarray) -> "torch.Tensor":
    import torch
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
            pt, tt = p.astype(np.float64).reshape(-1), t.astype(np.float64).reshape(-1)
            for m in self.metrics.values():
                if isinstance(m, _Running):
                    m.update(pt, tt)
                else:  # a registered torchmetrics metric: float64 states, exact sums
                    m.set_dtype(_float64()).update(_as_tensor(pt), _as_tensor(tt))
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


def _float64() -> "torch.dtype":
    import torch
    return torch.float64


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

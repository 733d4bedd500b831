"""Per-example test records, so that statistics can resample test examples.

The harness turns each chunk of (predictions, targets) into small per-example arrays and saves
them beside the predictions (``RUN_DIR/predictions/<job_key>.examples.npz``). From those arrays
every metric of the task can be recomputed on any resample of the test examples, given as a
matrix of example counts (one row per resample):

* forecasting and regression: per-example mean squared and absolute error (``se``, ``ae``), so
  MSE, MAE and RMSE of a resample are (weighted) means; regression also keeps the values
  (``pred``, ``target``) for R^2;
* classification: the (predicted label, true label) pair of each example, so accuracy, MCC and
  F1 (not decomposable into per-example terms) are recomputed from the resample's confusion
  matrix;
* segmentation: each image's confusion matrix (mIoU and pixel accuracy of a resample come from
  the summed matrices);
* multilabel: scores and labels of each example, and its true/false positive and false
  negative label counts at threshold 0.5 (micro F1 from sums; other metrics, e.g. mAP,
  recomputed with the task's metric on each resample, which is slower).
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from .errors import DataError
from .specs import ProblemType, TaskSpec

#: file name suffix of the per-example records beside ``<job_key>.npy``
SUFFIX = ".examples.npz"

#: entries of a records file that describe the task rather than the examples
META = ("problem", "horizon", "num_classes")


def examples_path(predictions_dir: str | Path, job_key: str) -> Path:
    return Path(predictions_dir) / f"{job_key}{SUFFIX}"


def example_arrays(spec: TaskSpec, preds: np.ndarray, targets: np.ndarray
                   ) -> dict[str, np.ndarray]:
    """Per-example records of one chunk (first axis = example)."""
    p, t = np.asarray(preds), np.asarray(targets)
    problem = spec.problem
    n = len(t)
    if problem in (ProblemType.FORECASTING, ProblemType.REGRESSION):
        err = p.astype(np.float64).reshape(n, -1) - t.astype(np.float64).reshape(n, -1)
        out = {"se": np.mean(err ** 2, axis=1), "ae": np.mean(np.abs(err), axis=1)}
        if problem is ProblemType.REGRESSION:
            out.update(pred=p.astype(np.float64).reshape(n, -1),
                       target=t.astype(np.float64).reshape(n, -1))
        return out
    if problem is ProblemType.CLASSIFICATION:
        hard = p.astype(np.int64) if p.ndim == 1 else p.argmax(axis=1).astype(np.int64)
        return {"pred": hard, "target": t.astype(np.int64)}
    if problem is ProblemType.SEGMENTATION:
        k = int(spec.num_classes or 2)
        hard = (p.argmax(1) if p.ndim == t.ndim + 1 else p).astype(np.int64).reshape(n, -1)
        truth = t.astype(np.int64).reshape(n, -1)
        valid = (truth >= 0) & (truth < k)
        codes = np.where(valid, truth * k + np.clip(hard, 0, k - 1), k * k)
        conf = np.stack([np.bincount(c, minlength=k * k + 1)[:k * k] for c in codes])
        return {"confusion": conf.astype(np.int64)}
    scores = p.astype(np.float64)
    if not ((scores >= 0) & (scores <= 1)).all():        # logits: as torchmetrics, a sigmoid
        scores = 1.0 / (1.0 + np.exp(-scores))
    hard, truth = scores >= 0.5, t.astype(bool)
    return {"score": p.astype(np.float32), "target": t.astype(np.uint8),
            "tp": (hard & truth).sum(axis=1), "fp": (hard & ~truth).sum(axis=1),
            "fn": (~hard & truth).sum(axis=1)}


class ExampleWriter:
    """Collects the per-example arrays of each prediction group at its example indices."""

    def __init__(self, spec: TaskSpec, n: int) -> None:
        self.spec, self.n = spec, n
        self.arrays: dict[str, np.ndarray] = {}

    def add(self, idx: slice | np.ndarray, preds: np.ndarray, targets: np.ndarray) -> None:
        for name, values in example_arrays(self.spec, preds, targets).items():
            if name not in self.arrays:
                self.arrays[name] = np.zeros((self.n, *values.shape[1:]), dtype=values.dtype)
            self.arrays[name][idx] = values

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, problem=np.array(self.spec.problem.value),
                            horizon=np.array(self.spec.horizon or 0),
                            num_classes=np.array(self.spec.num_classes or 0), **self.arrays)
        return path


def load_examples(path: str | Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


# --- metrics of resamples ------------------------------------------------------------------------
def _weighted_mean(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    return counts @ values / counts.sum(axis=1)


def _confusions(a: dict[str, np.ndarray], counts: np.ndarray) -> np.ndarray:
    """(B, K, K) confusion matrices (rows = truth) of every resample."""
    if "confusion" in a:
        k = int(round(np.sqrt(a["confusion"].shape[1])))
        return (counts @ a["confusion"].astype(np.float64)).reshape(-1, k, k)
    k = int(a.get("num_classes", 0)) or max(int(a["target"].max()), int(a["pred"].max())) + 1
    k = max(k, 2)
    onehot = np.zeros((len(a["target"]), k * k))
    onehot[np.arange(len(a["target"])), a["target"] * k + np.clip(a["pred"], 0, k - 1)] = 1.0
    return (counts @ onehot).reshape(-1, k, k)


def _accuracy(c: np.ndarray) -> np.ndarray:
    return np.trace(c, axis1=1, axis2=2) / c.sum(axis=(1, 2))


def _mcc(c: np.ndarray) -> np.ndarray:
    """Multiclass MCC (Gorodkin), equal to the binary MCC for two classes; 0 when undefined."""
    s = c.sum(axis=(1, 2))
    correct = np.trace(c, axis1=1, axis2=2)
    t, p = c.sum(axis=2), c.sum(axis=1)                  # true / predicted counts per class
    num = correct * s - np.einsum("bk,bk->b", t, p)
    den = np.sqrt((s ** 2 - np.einsum("bk,bk->b", p, p)) * (s ** 2 - np.einsum("bk,bk->b", t, t)))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)


def _f1_per_class(c: np.ndarray) -> np.ndarray:
    tp = np.diagonal(c, axis1=1, axis2=2)
    denom = c.sum(axis=2) + c.sum(axis=1)               # 2 tp + fp + fn
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, 2 * tp / np.where(denom > 0, denom, 1.0), 0.0)


def _f1(c: np.ndarray) -> np.ndarray:
    """Binary F1 of class 1 for two classes, macro F1 otherwise (as the harness's ``f1``)."""
    per = _f1_per_class(c)
    return per[:, 1] if c.shape[1] == 2 else per.mean(axis=1)


def _miou(c: np.ndarray) -> np.ndarray:
    tp = np.diagonal(c, axis1=1, axis2=2)
    union = c.sum(axis=2) + c.sum(axis=1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, tp / np.where(union > 0, union, 1.0), 0.0).mean(axis=1)


def _r2(a: dict[str, np.ndarray], counts: np.ndarray) -> np.ndarray:
    y, e = a["target"], a["target"] - a["pred"]
    w = counts / counts.sum(axis=1, keepdims=True)
    sse = w @ (e ** 2)
    mean = w @ y
    var = w @ (y ** 2) - mean ** 2
    return (1.0 - sse.sum(axis=1) / var.sum(axis=1)) if y.shape[1] > 1 else 1.0 - (sse / var)[:, 0]


_CONFUSION_METRICS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "accuracy": _accuracy, "pixel_accuracy": _accuracy, "mcc": _mcc, "f1": _f1,
    "f1_macro": lambda c: _f1_per_class(c).mean(axis=1), "miou": _miou,
}


def n_examples(arrays: dict[str, np.ndarray]) -> int:
    """Test examples behind the records (0 when the test split was empty)."""
    return next((len(v) for k, v in arrays.items() if k not in META), 0)


def resample_metric(metric: str, arrays: dict[str, np.ndarray], counts: np.ndarray) -> np.ndarray:
    """``metric`` on each resample: ``counts`` (B, n) says how often each example is drawn.

    ``arrays`` are the records of :func:`load_examples` (or :class:`ExampleWriter`'s arrays).
    """
    counts = np.asarray(counts, dtype=np.float64)
    if "se" in arrays and metric in ("mse", "mae", "rmse"):
        values = _weighted_mean(arrays["ae" if metric == "mae" else "se"], counts)
        return np.sqrt(values) if metric == "rmse" else values
    if metric == "r2" and "target" in arrays and "pred" in arrays:
        return _r2(arrays, counts)
    if metric in _CONFUSION_METRICS and ("confusion" in arrays or "pred" in arrays):
        return _CONFUSION_METRICS[metric](_confusions(arrays, counts))
    if metric == "f1_micro" and "tp" in arrays:          # multilabel micro F1 from counts
        tp, fp, fn = (counts @ arrays[k].astype(np.float64) for k in ("tp", "fp", "fn"))
        denom = 2 * tp + fp + fn
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(denom > 0, 2 * tp / np.where(denom > 0, denom, 1.0), 0.0)
    if "score" in arrays:
        return _generic(metric, arrays, counts)
    raise DataError(f"metric {metric!r} cannot be recomputed from the saved per-example "
                    f"records ({', '.join(sorted(k for k in arrays if k not in META))})",
                    "statistics fall back to the seeds for this task")


def _generic(metric: str, arrays: dict[str, np.ndarray], counts: np.ndarray) -> np.ndarray:
    """Any registered metric, recomputed on each resample (slower; multilabel tasks)."""
    from .metrics import MetricSuite

    k = int(arrays.get("num_classes", 0)) or arrays["score"].shape[1]
    spec = TaskSpec("resample", "", ProblemType(str(arrays.get("problem", "multilabel"))),
                    arrays["score"].shape[1:], metric, True, (metric,), num_classes=k)
    out = np.empty(len(counts))
    for b, row in enumerate(counts.astype(np.int64)):
        idx = np.repeat(np.arange(len(row)), row)
        suite = MetricSuite(spec)
        suite.update(arrays["score"][idx], arrays["target"][idx])
        out[b] = suite.compute()[metric]
    return out

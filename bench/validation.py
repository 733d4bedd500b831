"""The harness checks what crosses the method boundary, the way data is checked on load.

:func:`validate_predictions` runs on every array a method's ``predict`` returns, before any
metric sees it: its rank and shape per problem type, a numeric dtype, finite values, and class
indices within ``[0, K)``. :func:`validate_task_data` runs on what a task loader returns, before
the method sees it: non-empty splits, finite values, class labels within range and more than
one class to learn from. A violation is a :class:`~sfmbench.errors.DataError` that names the
method (or task), what was expected and what came back; the runner stores it as a failed row.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .data import ArraySplit, ForecastTargets, HeldOut, SeriesSplit, TaskData
from .errors import DataError
from .specs import ProblemType, TaskSpec

#: elements checked per block (keeps the temporary boolean arrays small on huge inputs)
BLOCK = 1 << 22

_LAYOUTS = {
    ProblemType.CLASSIFICATION: "(N, K) class scores or probabilities, or (N,) integer labels",
    ProblemType.MULTILABEL: "(N, K) scores",
    ProblemType.SEGMENTATION: "(N, K, H, W) class scores or (N, H, W) integer labels",
    ProblemType.REGRESSION: "the targets' shape",
    ProblemType.FORECASTING: "(n, horizon, channels)",
}


def _fail(who: str, expected: str, actual: str, hint: str) -> DataError:
    return DataError(f"{who} returned invalid predictions: expected {expected}, got {actual}",
                     hint)


def validate_predictions(spec: TaskSpec, preds: Any, truth: np.ndarray, n: int, *,
                         method: str = "the method") -> np.ndarray:
    """``preds`` as a numeric array, or a DataError naming ``method``, expected and actual."""
    who = f"model {method!r}"
    hint = f"predict() must return {_LAYOUTS[spec.problem]} for a {spec.problem.value} task"
    try:
        p = np.asarray(preds)
    except (ValueError, TypeError) as exc:
        raise _fail(who, "one numeric array", f"{type(preds).__name__} ({exc})", hint) from None
    if p.dtype.kind not in "biuf":
        raise _fail(who, "a numeric array", f"dtype {p.dtype}", hint)
    if p.ndim == 0 or len(p) != n:
        got = "a scalar" if p.ndim == 0 else f"{len(p)} predictions"
        raise _fail(who, f"{n} predictions, one per test input", got, hint)
    t = np.asarray(truth)
    k = spec.num_classes or 2
    problem = spec.problem
    if problem is ProblemType.CLASSIFICATION:
        if p.ndim == 1:
            _check_labels(who, p, k, hint)
        elif p.shape != (n, k):
            raise _fail(who, f"shape ({n}, {k}) scores for {k} classes, or ({n},) labels",
                        f"shape {p.shape}", hint)
    elif problem is ProblemType.SEGMENTATION:
        if p.shape == t.shape:
            _check_labels(who, p, k, hint)
        elif p.shape != (t.shape[0], k, *t.shape[1:]):
            raise _fail(who, f"shape {(t.shape[0], k, *t.shape[1:])} scores or {t.shape} labels",
                        f"shape {p.shape}", hint)
    elif problem is ProblemType.MULTILABEL:
        if p.shape != t.shape:
            raise _fail(who, f"shape {t.shape} ({k} label scores per input)", f"shape {p.shape}",
                        hint)
    elif p.shape != t.shape:  # regression and forecasting: one value per target value
        raise _fail(who, f"shape {t.shape}", f"shape {p.shape}", hint)
    bad = _first_nonfinite(p)
    if bad is not None:
        raise _fail(who, "finite values", f"{p.flat[bad]} at flat index {bad} "
                    f"({int((~np.isfinite(p)).sum())} non-finite values)",
                    "check the method for divergence (NaN/inf scores are never scored)")
    return p


def _check_labels(who: str, p: np.ndarray, k: int, hint: str) -> None:
    if p.dtype.kind == "f":
        finite = np.isfinite(p)
        if not finite.all():
            raise _fail(who, "finite class labels", f"{int((~finite).sum())} NaN/inf labels", hint)
        if not np.all(np.mod(p, 1) == 0):
            raise _fail(who, f"integer class labels in [0, {k})", "fractional values",
                        "return (N, K) class scores, or integer labels")
    if p.size and (p.min() < 0 or p.max() >= k):
        raise _fail(who, f"class labels in [0, {k})", f"labels from {p.min():g} to {p.max():g}",
                    hint)


def _first_nonfinite(a: np.ndarray) -> int | None:
    if a.dtype.kind != "f":
        return None
    flat = a.reshape(-1)
    for start in range(0, flat.size, BLOCK):
        block = np.isfinite(flat[start:start + BLOCK])
        if not block.all():
            return start + int(np.argmin(block))
    return None


# --- task data ---------------------------------------------------------------------------------
def validate_task_data(spec: TaskSpec, data: TaskData, task: str) -> None:
    """Check a loaded task before any method sees it (see module docstring)."""
    who = f"task {task!r}"
    for split_name, split in (("train", data.train), ("validation", data.val),
                              ("test", data.test)):
        size = _split_size(split)
        if size == 0:
            raise DataError(f"{who} has an empty {split_name} split (0 "
                            f"{'windows' if isinstance(split, SeriesSplit) else 'samples'})",
                            "give more data, or change the split fractions/lookback/horizon so "
                            "that every split holds examples")
        for what, values in _value_arrays(split):
            bad = _first_nonfinite(np.asarray(values))
            if bad is not None:
                raise DataError(f"{who}: the {split_name} {what} hold non-finite values "
                                f"({int((~np.isfinite(values)).sum())} NaN/inf)",
                                "clean or interpolate the file: every value must be finite")
    if spec.problem in (ProblemType.CLASSIFICATION, ProblemType.SEGMENTATION):
        k = spec.num_classes or 2
        for split_name, labels in (("train", _labels(data.train)), ("validation", _labels(data.val)),
                                   ("test", _labels(data.test))):
            if labels is None or labels.size == 0:
                continue
            ignore = spec.extra.get("ignore_index")  # e.g. unlabelled pixels
            if ignore is not None:
                labels = labels[labels != ignore]
                if labels.size == 0:
                    continue
            lo, hi = labels.min(), labels.max()
            if lo < 0 or hi >= k:
                raise DataError(f"{who}: {split_name} labels range from {lo:g} to {hi:g}, "
                                f"outside the task's {k} classes [0, {k})",
                                "labels must be class indices 0..K-1; fix the label column")
        train = _labels(data.train)
        if spec.problem is ProblemType.CLASSIFICATION and train is not None and \
                np.unique(train).size < 2:
            raise DataError(f"{who}: the train split holds a single class "
                            f"({np.unique(train).tolist()}); nothing to learn",
                            "give training examples of at least two classes")


def _split_size(split: Any) -> int:
    n = getattr(split, "n_windows", None)
    return int(n if n is not None else len(split))


def _value_arrays(split: Any) -> list[tuple[str, np.ndarray]]:
    if isinstance(split, SeriesSplit):
        return [("values", split.values)]
    if isinstance(split, ArraySplit):
        out = [("inputs", split.x)]
        return out + ([("labels", split.y)] if np.asarray(split.y).dtype.kind == "f" else [])
    if isinstance(split, HeldOut):
        t = split.targets
        if isinstance(t, ForecastTargets):
            return [("targets", t.values)]
        x = getattr(split.inputs, "x", None)
        return ([("inputs", x)] if x is not None else []) + [("targets", np.asarray(t))]
    return []


def _labels(split: Any) -> np.ndarray | None:
    if isinstance(split, ArraySplit):
        return np.asarray(split.y)
    if isinstance(split, HeldOut) and not isinstance(split.targets, ForecastTargets):
        return np.asarray(split.targets)
    return None

"""``sfmbench check-plugin TASK``: a task's contract, its data, then one reference run on it.

The counterpart of the model check in :mod:`sfmbench.plugin_check`: a task plugin passes when
its class is a :class:`~sfmbench.task.Task`, its spec is consistent, ``load()`` returns splits
whose shapes and labels agree with the spec, and an untuned reference baseline that supports
the task runs on it end to end through the real harness (``budget=smoke``).
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .catalog import METHODS, TASKS, create_task
from .data import ArraySplit, HeldOut, SeriesSplit, TaskData
from .errors import SfmbenchError
from .metrics import metric_names
from .plugin_check import CheckReport
from .specs import ProblemType, TaskSpec
from .task import Task


def spec_issues(spec: TaskSpec) -> list[str]:
    """What is inconsistent in a task spec."""
    issues = []
    unknown = [m for m in spec.metrics if m not in metric_names()]
    if unknown:
        issues.append(f"unknown metric(s) {unknown}; registered: {', '.join(metric_names())}")
    if spec.problem in (ProblemType.CLASSIFICATION, ProblemType.MULTILABEL,
                        ProblemType.SEGMENTATION) and not (spec.num_classes or 0) >= 2:
        issues.append(f"a {spec.problem.value} task needs num_classes >= 2")
    if spec.problem is ProblemType.FORECASTING and not (spec.horizon and spec.lookback):
        issues.append("a forecasting task needs horizon and lookback")
    return issues


def data_issues(spec: TaskSpec, data: TaskData) -> list[str]:
    """What in the loaded splits disagrees with the spec."""
    issues = []
    if not isinstance(data.test, HeldOut):
        return ["load() must return the test split as a HeldOut(inputs, targets)"]
    for split_name, split in (("train", data.train), ("val", data.val)):
        if _size(split) == 0:
            issues.append(f"the {split_name} split is empty")
        if isinstance(split, ArraySplit):
            if tuple(split.x.shape[1:]) != tuple(spec.input_shape):
                issues.append(f"{split_name} inputs have per-sample shape "
                              f"{tuple(split.x.shape[1:])}, the spec says {spec.input_shape}")
            if spec.problem is ProblemType.CLASSIFICATION and len(split.y) and spec.num_classes:
                y = np.asarray(split.y)
                if y.min() < 0 or y.max() >= spec.num_classes:
                    issues.append(f"{split_name} labels span [{y.min()}, {y.max()}], outside "
                                  f"0..{spec.num_classes - 1}")
        elif isinstance(split, SeriesSplit) and split.horizon != spec.horizon:
            issues.append(f"{split_name} horizon {split.horizon} != spec horizon {spec.horizon}")
    if len(data.test) == 0:
        issues.append("the test split is empty")
    return issues


def _size(split: ArraySplit | SeriesSplit) -> int:
    """Samples of an array split, own rows of a series split."""
    return len(split) if isinstance(split, ArraySplit) else len(split.own)


def reference_model(spec: TaskSpec) -> str | None:
    """The first untuned reference baseline that supports the task (cheap, deterministic)."""
    for name in METHODS.list():
        cls = METHODS.get(name)
        if cls.kind == "baseline" and not cls.tuned and cls.supports(spec):
            return name
    return None


def check_task(name: str, overrides: dict[str, Any] | None = None) -> CheckReport:
    """Check task ``name`` (with ``task.KEY=VALUE`` overrides) and run one reference model."""
    report = CheckReport()
    try:
        entry = TASKS.entry(name)
        cls = TASKS.get(name)
    except SfmbenchError as exc:
        report.add(False, f"load task {name!r}", exc.message, exc.hint)
        return report
    is_task = isinstance(cls, type) and issubclass(cls, Task)
    report.add(is_task, f"load task {name!r}", f"{getattr(cls, '__qualname__', cls)} from "
               f"{entry.source}", None if is_task else "subclass sfmbench.Task")
    if not is_task:
        return report
    try:
        task = create_task(name, overrides)
        spec = task.spec
    except SfmbenchError as exc:
        report.add(False, "task parameters and spec", exc.message, exc.hint)
        return report
    except Exception as exc:  # noqa: BLE001 - the plugin's own code failed: report, don't crash
        report.add(False, "task parameters and spec", f"{type(exc).__name__}: {exc}",
                   "the task's __init__ or spec raised; raise sfmbench.errors.ConfigError with "
                   "a hint for bad parameters")
        return report
    issues = spec_issues(spec)
    report.add(not issues, "task spec", "; ".join(issues) or
               f"{spec.problem.value}, input {spec.input_shape}, primary metric "
               f"{spec.primary_metric} ({spec.direction})")
    try:
        data = task.load()
    except SfmbenchError as exc:
        report.add(False, "load() the splits", exc.message, exc.hint)
        return report
    except Exception as exc:  # noqa: BLE001
        report.add(False, "load() the splits", f"{type(exc).__name__}: {exc}",
                   "raise sfmbench.errors.DataError naming the bad file or value")
        return report
    issues = data_issues(spec, data)
    report.add(not issues, "splits agree with the spec", "; ".join(issues) or
               f"train {_size(data.train)}, val {_size(data.val)}, test {len(data.test)}")
    if not report.ok:
        return report
    model = reference_model(spec)
    if model is None:
        report.warn("end-to-end run", "skipped: no untuned reference baseline supports "
                    f"{spec.problem.value} tasks of modality {spec.extra.get('modality', spec.domain)}")
        return report
    from .config import make_job
    from .results import STATUS_OK
    from .runner import RunSettings, run_job
    from .store import Store
    with tempfile.TemporaryDirectory(prefix="sfmbench-check-") as tmp:
        job = make_job(name, model, seed=0, budget="smoke", task_overrides=overrides)
        row = run_job(job, Store(f"sqlite:///{Path(tmp) / 'check.db'}"),
                      RunSettings(run_dir=Path(tmp), show_progress=False))
    ok = row.status == STATUS_OK
    report.add(ok, f"end-to-end run with {model}",
               f"{row.primary_metric} = {row.primary_value:.4g}" if ok else (row.error or ""))
    return report

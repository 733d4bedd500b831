"""Run one job: load the task, fit the method on train/val, predict test inputs, score, store.

The harness alone holds the test targets. It hands the method the test inputs in groups (for
forecasting, windows far enough apart that no group contains its own targets), scores every group with the task's metrics as it arrives (so huge forecasting tasks never hold
all predictions in memory), saves the predictions beside the result, and writes one row.
"""
from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .budget import Guard, load_budget
from .catalog import METHODS, create_task
from .config import JobSpec, budget_config
from .context import RunContext, default_device
from .data import ArrayInputs, ForecastInputs, ForecastTargets, HeldOut
from .errors import ConfigError, SfmbenchError
from .extras import method_extra
from .losses import ExampleWriter, examples_path
from .method import FitReport, Method, method_supports
from .metrics import MetricSuite
from .monitor import PeakMemory
from .parsing import explicit_true
from .provenance import git_revision, hostname, library_versions
from .redact import safe_message
from .results import STATUS_FAILED, STATUS_OK, ResultRow, utcnow
from .seeding import seed_everything
from .specs import TaskSpec
from .store import Store
from .validation import validate_predictions, validate_task_data

log = logging.getLogger(__name__)

#: values per prediction chunk handed to ``predict`` (bounds memory on huge forecasting tasks)
CHUNK_VALUES = 20_000_000


@dataclass
class RunSettings:
    """Where and how jobs run (not part of a job's identity)."""

    run_dir: Path = Path("sfmbench-runs")
    save_predictions: bool = True
    max_prediction_mb: float = 1024.0
    show_progress: bool = True
    device: str | None = None


def run_job(job: JobSpec, store: Store, settings: RunSettings | None = None) -> ResultRow:
    """Run ``job`` and store its row (ok or failed with the reason). Never raises for job errors."""
    settings = settings or RunSettings()
    started = utcnow()
    row = ResultRow(job_key=job.key, task=job.task_label, model=job.model, kind="", seed=job.seed,
                    method=job.method, budget=job.budget, config=job.resolved(),
                    config_hash=job.key, package_version=__version__, git_revision=git_revision(),
                    library_versions=library_versions(), host=hostname(), started_at=started,
                    device=settings.device or default_device())
    t0 = time.perf_counter()
    try:
        with PeakMemory() as mem:
            _execute(job, store, settings, row)
        row.peak_memory_mb = round(mem.peak_mb, 1)
        if mem.peak_gpu_bytes is not None:
            row.peak_gpu_memory_mb = round(mem.peak_gpu_bytes / 2**20, 1)
        row.status = STATUS_OK
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001 - a failing job is recorded, the sweep goes on
        row.status = STATUS_FAILED
        # no secrets, control bytes or dumps in the stored reason
        row.error = safe_message(failure_reason(exc, method_extra(job.method)))
        log.warning("job %s failed: %s", job.label, row.error.splitlines()[0])
    row.total_seconds = round(time.perf_counter() - t0, 3)
    row.finished_at = utcnow()
    store.add(row)
    return row


def failure_reason(exc: BaseException, extra: str | None = None) -> str:
    """The stored reason of a failed job; ``extra``: the optional extra its method declares."""
    head = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        root = exc.name.split(".")[0]
        fix = (f"pip install 'sfmbench[{extra}]'" if extra
               else "install the package that provides it (or pip install 'sfmbench[all]')")
        return f"missing optional dependency {root!r}: {fix}"
    if isinstance(exc, SfmbenchError):
        return head
    tail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)[-4:])
    return f"{head}\n{tail}"[:4000]


def _execute(job: JobSpec, store: Store, settings: RunSettings, row: ResultRow) -> None:
    task = create_task(job.task, job.task_params)
    spec = task.spec
    method_cls: type[Method] = METHODS.get(job.method)
    row.kind, row.tuned = method_cls.kind, bool(method_cls.tuned)
    row.domain, row.problem = spec.domain, spec.problem.value
    row.primary_metric, row.higher_is_better = spec.primary_metric, spec.higher_is_better
    row.pretraining_data = method_cls.pretraining_data
    if not method_supports(method_cls, spec, job.model_params):
        raise ConfigError(f"model {job.model!r} does not support {spec.problem.value} tasks of "
                          f"domain {spec.domain!r} (task {job.task!r})",
                          "pick a model whose `sfmbench models show` lists this problem type")
    seed_everything(job.seed)
    t = time.perf_counter()
    data = task.load()
    validate_task_data(spec, data, job.task)  # empty splits, NaN/inf, labels out of range
    row.load_seconds = round(time.perf_counter() - t, 3)
    row.n_train, row.n_val, row.n_test = _size(data.train), _size(data.val), len(data.test)
    budget = load_budget(job.budget)
    row.recipe = job.model_params.get("recipe")
    ctx = RunContext(seed=job.seed, budget=job.budget, budget_config=budget_config(job.budget),
                     guard=Guard(budget.guard_seconds),
                     device=row.device, storage_url=store.url,
                     study_prefix=f"{job.task}|{job.model}|seed{job.seed}|{job.key}",
                     work_dir=settings.run_dir / "work" / job.key,
                     show_progress=settings.show_progress,
                     allow_remote_code=explicit_true(job.model_params.get("trust_remote_code"),
                                                     "model.trust_remote_code"))
    method = method_cls(spec, dict(job.model_params), ctx)
    t = time.perf_counter()
    report = method.fit(data.train, data.val) or FitReport()
    row.train_seconds = round(time.perf_counter() - t, 3)
    row.truncated = bool(ctx.guard.tripped)
    _apply_report(row, report)
    t = time.perf_counter()
    metrics, path = predict_and_score(method, spec, data.test, settings, job.key, job.model)
    row.inference_seconds = round(time.perf_counter() - t, 3)
    row.metrics = metrics
    row.primary_value = metrics[spec.primary_metric]
    row.predictions_path = str(path) if path else None
    row.params_trainable, row.params_total = method.parameter_count()


def _size(split: Any) -> int:
    """Samples of an ArraySplit, forecast windows of a SeriesSplit."""
    n = getattr(split, "n_windows", None)
    return int(n if n is not None else len(split))


def _apply_report(row: ResultRow, report: FitReport) -> None:
    row.best_val_metric = report.best_val_metric
    row.hyperparameters = _jsonable(report.hyperparameters)
    row.architecture = _jsonable(report.architecture) if report.architecture else None
    row.n_trials, row.epochs = report.n_trials, report.epochs
    row.stage_seconds = {k: round(float(v), 3) for k, v in report.stage_seconds.items()}
    row.tune_seconds = (round(float(report.tune_seconds), 3)
                        if report.tune_seconds is not None else None)
    row.train_samples = report.train_samples if report.train_samples is not None else row.n_train
    row.truncated = row.truncated or bool(report.truncated)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return obj


def prediction_groups(inputs: ArrayInputs | ForecastInputs,
                      per_item: int) -> Iterator[slice | np.ndarray]:
    """Which test items each ``predict`` call gets.

    Sample-wise inputs go in contiguous chunks. Forecast windows go in strided groups whose
    windows lie at least ``lookback + horizon`` rows apart, so no call's inputs contain a target
    of a window that call forecasts. Chunks stay under :data:`CHUNK_VALUES` values.
    """
    n = len(inputs)
    chunk = max(1, CHUNK_VALUES // max(per_item, 1))
    if not isinstance(inputs, ForecastInputs):
        for start in range(0, n, chunk):
            yield slice(start, min(n, start + chunk))
        return
    stride = inputs.lookback + inputs.horizon
    for offset in range(min(stride, n)):
        group = np.arange(offset, n, stride)
        for k in range(0, len(group), chunk):
            yield group[k:k + chunk]


def predict_and_score(method: Method, spec: TaskSpec, test: HeldOut, settings: RunSettings,
                      job_key: str, model: str | None = None
                      ) -> tuple[dict[str, float], Path | None]:
    """Hand the test inputs to the method in groups; score and save what comes back."""
    inputs, targets = test.inputs, test.targets
    n = len(inputs)
    suite = MetricSuite(spec)
    examples = ExampleWriter(spec, n)          # per-example records for statistics
    writer: np.ndarray | None = None
    path: Path | None = None
    for idx in prediction_groups(inputs, _values_per_item(spec, inputs)):
        part = inputs.take(idx)
        truth = targets.take(idx) if isinstance(targets, ForecastTargets) else targets[idx]
        preds = validate_predictions(spec, method.predict(part), truth, len(part),
                                     method=model or type(method).__name__)
        suite.update(preds, truth)
        examples.add(idx, preds, truth)
        if writer is None and settings.save_predictions:
            size_mb = n * preds[0].size * 4 / 2**20
            if size_mb <= settings.max_prediction_mb:
                path = settings.run_dir / "predictions" / f"{job_key}.npy"
                path.parent.mkdir(parents=True, exist_ok=True)
                writer = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32,
                                                   shape=(n, *preds.shape[1:]))
        if writer is not None:
            writer[idx] = preds
    if writer is not None:
        writer.flush()
        del writer
    if settings.save_predictions:
        examples.save(examples_path(settings.run_dir / "predictions", job_key))
    return suite.compute(), path


def _values_per_item(spec: TaskSpec, inputs: ArrayInputs | ForecastInputs) -> int:
    if isinstance(inputs, ForecastInputs):
        return (inputs.lookback + inputs.horizon) * inputs.n_channels
    return int(np.prod(inputs.x.shape[1:])) * max(spec.num_classes or 1, 1)


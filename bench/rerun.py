"""Run a stored row's resolved configuration again, into a scratch store, and compare.

``sfmbench rerun JOB_KEY`` rebuilds the job from the row's stored config (task and its
parameters, model and its resolved parameters, seed, budget), runs it with a fresh SQLite store
and run directory (so nothing stored is reused: not the row, not the optuna studies), and lists,
metric by metric, the stored and the new value. Budgets are counts, so on the same device the
two runs do the same work and, on CPU, give the same numbers.
"""
from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import JobSpec
from .errors import ConfigError
from .results import STATUS_OK, ResultRow
from .store import Store

#: row fields compared besides the metrics (what the method chose and how much work it did)
COMPARED_FIELDS: tuple[str, ...] = ("best_val_metric", "hyperparameters", "architecture",
                                    "n_trials", "epochs", "train_samples", "truncated")


@dataclass
class Comparison:
    """One compared value: its name, the stored and the new value, and whether they agree."""

    name: str
    stored: Any
    new: Any

    @property
    def same(self) -> bool:
        return _same(self.stored, self.new)


@dataclass
class RerunReport:
    """The stored row, the new row and their comparison."""

    job_key: str
    stored: dict[str, Any]
    new: ResultRow
    comparisons: list[Comparison] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return self.new.status == STATUS_OK and all(c.same for c in self.comparisons)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return bool(a == b)


def stored_row(store: Store, job_key: str) -> dict[str, Any]:
    """The job's successful row (else its last attempt); a clear error for an unknown key."""
    rows = [r for r in store.rows(latest=True) if r["job_key"] == job_key]
    if not rows:
        near = sorted(r["job_key"] for r in store.rows() if r["job_key"].startswith(job_key[:4]))
        raise ConfigError(f"no stored row has job key {job_key!r} (store {store.url})",
                          (f"close keys: {', '.join(near[:5])}; " if near else "")
                          + "list keys with `sfmbench results` (column job_key)")
    return rows[0]


def job_from_config(config: dict[str, Any]) -> JobSpec:
    """The JobSpec a stored row's ``config`` describes (its resolved parameters, not today's
    YAML: a YAML edited since then does not change the rerun)."""
    try:
        task, model = config["task"], config["model"]
        return JobSpec(task=task["name"], model=model["name"], method=model["method"],
                       seed=int(config["seed"]), budget=str(config["budget"]),
                       task_params=dict(task.get("params") or {}),
                       model_params=dict(model.get("params") or {}),
                       task_identity=task.get("identity"))
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"the stored config lacks {exc}: it was not written by `sfmbench run`",
                          "rerun only rows that sfmbench stored") from None


def _check_identity(job: JobSpec) -> None:
    """A row on a user's data file reruns only on the same bytes (the stored identity)."""
    if not job.task_identity:
        return
    from .catalog import TASKS

    now = TASKS.get(job.task)(name=job.task, **job.task_params).identity()
    if now != job.task_identity:
        raise ConfigError(f"the data of task {job.task!r} changed since the row was stored "
                          f"(identity {job.task_identity}, now {now})",
                          "restore the file the row was computed on, or run the job anew")


def rerun(store: Store, job_key: str, scratch: Path | None = None, *,
          device: str | None = None, show_progress: bool = False) -> RerunReport:
    """Run the stored job ``job_key`` again into a scratch store and compare the rows."""
    from .runner import RunSettings, run_job

    old = stored_row(store, job_key)
    job = job_from_config(old.get("config") or {})
    if job.key != job_key:
        raise ConfigError(f"the stored config of {job_key} hashes to {job.key}: the row was "
                          "written by a different sfmbench version",
                          "rerun it with the sfmbench version (package_version) that stored it")
    _check_identity(job)
    scratch = Path(scratch) if scratch is not None else Path(tempfile.mkdtemp(prefix="sfmbench-rerun-"))
    scratch.mkdir(parents=True, exist_ok=True)
    settings = RunSettings(run_dir=scratch, show_progress=show_progress,
                           device=device or old.get("device") or None)
    new = run_job(job, Store(f"sqlite:///{(scratch / 'rerun.db').resolve()}"), settings)
    names = sorted(set(old.get("metrics") or {}) | set(new.metrics or {}))
    comparisons = [Comparison(f"metric {m}", (old.get("metrics") or {}).get(m),
                              (new.metrics or {}).get(m)) for m in names]
    comparisons += [Comparison(f, bool(old.get(f)) if f == "truncated" else old.get(f),
                               getattr(new, f)) for f in COMPARED_FIELDS]
    return RerunReport(job_key=job_key, stored=old, new=new, comparisons=comparisons)


__all__ = ["COMPARED_FIELDS", "Comparison", "RerunReport", "job_from_config", "rerun",
           "stored_row"]

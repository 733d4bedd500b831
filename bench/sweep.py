"""Sweeps: expand a suite into jobs and run them through an executor.

Jobs are idempotent: a job whose ok row is stored is skipped; a job claimed by a worker that
died is taken over; a failed job is recorded with its reason and the sweep goes on. Re-running
the same command after a crash, ``kill -9`` or Ctrl-C resumes with nothing lost or duplicated.
"""
from __future__ import annotations

import logging
import multiprocessing as mp
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalog import METHODS, create_task, task_names
from .config import JobSpec, group_entry, known_params, make_job, model_config, model_names
from .errors import ConfigError, UnknownNameError
from .extras import missing_extra
from .method import method_supports
from .monitor import stage_listener
from .progress import make_progress
from .results import STATUS_OK
from .runner import RunSettings, run_job
from .sorting import natural_key
from .store import Store

log = logging.getLogger(__name__)


@dataclass
class SweepPlan:
    jobs: list[JobSpec]
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (task, model, why)


@dataclass
class SweepReport:
    done: int = 0
    failed: int = 0
    skipped_existing: int = 0
    claimed_elsewhere: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    job_keys: list[str] = field(default_factory=list)   # the jobs this sweep covered


def expand_patterns(patterns: list[str], names_fn: Any, kind: str) -> list[str]:
    out: list[str] = []
    for pat in patterns:
        matched = sorted(names_fn(pat), key=natural_key)
        if not matched:
            raise UnknownNameError(kind, pat, names_fn(None))
        out += [m for m in matched if m not in out]
    return out


def check_job(job: JobSpec) -> None:
    """Reject a job whose task or model settings cannot work, before anything runs or is stored:
    the task is built with its parameters (a missing ``task.path``, ``task.horizon=abc``...) and
    the model must support it. Raises ConfigError/DataError (exit code 2 on the command line)."""
    spec = create_task(job.task, job.task_params).spec
    cls = METHODS.get(job.method)
    if not method_supports(cls, spec, job.model_params):
        modality = spec.extra.get("modality", spec.domain)
        raise ConfigError(f"model {job.model!r} does not support task {job.task!r} "
                          f"({spec.problem.value}, {modality})",
                          f"`sfmbench models list` shows what each model solves; models for "
                          f"{spec.problem.value}: {', '.join(models_for(spec)) or 'none'}")


def models_for(spec: Any) -> list[str]:
    """Model names whose method and configuration support ``spec`` (for hints)."""
    names = []
    for name in model_names():
        try:
            cfg = model_config(name)
            cls = METHODS.get(cfg.method)
            if method_supports(cls, spec, {**known_params(cls), **cfg.params}):
                names.append(name)
        except Exception:  # noqa: BLE001 - a broken plugin must not break a hint
            continue
    return names


#: the keys a suite YAML may have (each is read by :func:`plan_sweep` or `suites show`)
SUITE_KEYS = frozenset({"description", "tasks", "models", "optional_models", "seeds", "budget",
                        "model_budgets", "model_params", "model_seeds", "model_tasks"})


#: the keys an executor YAML may have (read by `sfmbench sweep` and :func:`run_slurm`)
EXECUTOR_KEYS = frozenset({"name", "workers", "gpus", "folder", "cluster", "timeout_min",
                           "partition", "gpus_per_node", "cpus_per_task", "mem_gb"})


def _checked_seeds(seeds: Any, key: str) -> list[int]:
    if not isinstance(seeds, (list, tuple)) or not seeds:
        raise ConfigError(f"a sweep needs at least one seed, got {key}={seeds!r}",
                          "e.g. seeds=[0] or seeds=[0,1,2]")
    bad = [s for s in seeds if not isinstance(s, int) or isinstance(s, bool)]
    if bad:
        raise ConfigError(f"{key} must be integers, got {bad}", "e.g. seeds=[0,1,2]")
    return list(seeds)


def plan_sweep(suite: str | None = None, *, tasks: list[str] | None = None,
               models: list[str] | None = None, seeds: list[int] | None = None,
               budget: str | None = None, task_overrides: dict[str, Any] | None = None,
               model_overrides: dict[str, Any] | None = None,
               per_model: dict[str, dict[str, Any]] | None = None) -> SweepPlan:
    """Jobs of a suite (``conf/suite/NAME.yaml``), with any of its lists overridden.

    A suite may give some models their own budget (``model_budgets: {dasha: smoke}``),
    parameters (``model_params: {dasha: {n_trials: 2}}``), seeds (``model_seeds: {orca: [0]}``) and
    tasks (``model_tasks: {orca: [gue/*]}``, patterns within the suite's tasks),
    and name ``optional_models`` that join its models only where their extra is installed (else
    they are listed as skipped, with the install command); an explicit ``budget`` argument
    overrides the suite's default budget only, ``model_overrides`` apply to every model and
    ``per_model`` (``{name: params}``, from ``NAME.KEY=VALUE`` on the command line) to one model.
    """
    base: dict[str, Any] = group_entry("suite", suite) if suite else {}
    unknown = sorted(set(base) - SUITE_KEYS)
    if unknown:
        raise ConfigError(f"suite {suite!r} has unknown key(s) {unknown}",
                          f"allowed: {', '.join(sorted(SUITE_KEYS))}")
    tasks = tasks or base.get("tasks")
    optional: list[str] = [] if models else list(base.get("optional_models") or [])
    models = models or base.get("models")
    if not tasks or not models:
        raise ConfigError("a sweep needs tasks and models",
                          "give suite=NAME (see `sfmbench sweep --help`) or tasks=[..] models=[..]")
    seeds = _checked_seeds(seeds if seeds is not None else base.get("seeds", [0]), "seeds")
    budget = budget or base.get("budget", "cpu")
    model_budgets: dict[str, str] = dict(base.get("model_budgets") or {})
    suite_params: dict[str, dict[str, Any]] = dict(base.get("model_params") or {})
    suite_seeds = {m: _checked_seeds(v, f"model_seeds.{m}")
                   for m, v in (base.get("model_seeds") or {}).items()}
    task_list = expand_patterns(list(tasks), task_names, "task")
    suite_tasks = {m: set(expand_patterns(list(v), task_names, "task"))
                   for m, v in (base.get("model_tasks") or {}).items()}
    model_list = expand_patterns(list(models), model_names, "model")
    plan = SweepPlan(jobs=[])
    for model in expand_patterns(optional, model_names, "model"):
        extra = missing_extra(model_config(model).method)
        if extra is None:
            model_list.append(model)
        else:
            plan.skipped.append(("*", model, f"optional, needs pip install 'sfmbench[{extra}]'"))
    stray = sorted(set(per_model or {}) - set(model_list))
    if stray:
        raise ConfigError(f"settings for model(s) {', '.join(stray)} that are not in this sweep",
                          f"models of the sweep: {', '.join(model_list)}; add them to models=[..] "
                          "or drop their NAME.KEY=VALUE settings")
    for task in task_list:
        spec = create_task(task, task_overrides).spec
        for model in model_list:
            if model in suite_tasks and task not in suite_tasks[model]:
                continue
            cls = METHODS.get(model_config(model).method)
            if not cls.supports(spec):
                plan.skipped.append((task, model, f"does not support {spec.problem.value}"))
                continue
            # a deterministic method gives the same row for every seed: run it once
            model_seeds = suite_seeds.get(model, seeds)
            params = {**(suite_params.get(model) or {}), **(model_overrides or {}),
                      **((per_model or {}).get(model) or {})}
            jobs = [make_job(task, model, seed, model_budgets.get(model, budget),
                             task_overrides, params)
                    for seed in (model_seeds[:1] if cls.deterministic else model_seeds)]
            if jobs and not cls.supports_params(spec, jobs[0].model_params):
                plan.skipped.append((task, model, f"its configuration does not support "
                                                  f"{spec.problem.value}"))
                continue
            plan.jobs += jobs
    return plan


def run_jobs(jobs: list[JobSpec], store: Store, settings: RunSettings, *,
             retry_failed: bool = True, max_attempts: int = 3,
             progress: bool = True) -> SweepReport:
    """Run jobs in this process, in order, skipping stored ones (the local sequential executor)."""
    report = SweepReport(job_keys=[j.key for j in jobs])
    done_keys = store.ok_keys()
    pending = [j for j in jobs if j.key not in done_keys]
    report.skipped_existing = len(jobs) - len(pending)
    eta = JobTimes.from_store(store)
    with make_progress(disable=not progress, eta_field=True) as bar:
        tid = bar.add_task("sweep", total=len(pending), status="", eta="")
        for i, job in enumerate(pending):
            started = time.perf_counter()

            def show(stage: str = "", job: JobSpec = job, rest: int = i) -> None:
                elapsed = time.perf_counter() - started
                left = eta.remaining(pending[rest:], elapsed)
                bar.update(tid, status=f"{job.label}: {stage}" if stage else job.label,
                           eta=fmt_eta(left))
            show("starting")
            attempts = store.failed_attempts(job.key)
            if store.has_ok(job.key) or (attempts and not retry_failed) or \
                    attempts >= max_attempts:
                bar.advance(tid)
                continue
            if not store.claim(job.key):
                report.claimed_elsewhere += 1
                bar.advance(tid)
                continue
            if store.has_ok(job.key):  # finished by another worker between check and claim
                store.release(job.key)
                report.skipped_existing += 1
                bar.advance(tid)
                continue
            with store.claimed(job.key), stage_listener(show):
                row = run_job(job, store, RunSettings(**{**settings.__dict__,
                                                         "show_progress": False}))
            eta.add(job.model, row.total_seconds)
            if row.status == STATUS_OK:
                report.done += 1
            else:
                report.failed += 1
                report.failures.append((job.label, (row.error or "").splitlines()[0]))
            bar.advance(tid)
    return report


class JobTimes:
    """Wall time per model from past jobs (the store, then this sweep), for an honest ETA."""

    def __init__(self, seconds: dict[str, list[float]] | None = None) -> None:
        self.seconds: dict[str, list[float]] = seconds or {}

    @classmethod
    def from_store(cls, store: Store) -> "JobTimes":
        times: dict[str, list[float]] = {}
        for r in store.rows():
            if r["status"] == STATUS_OK and r.get("total_seconds"):
                times.setdefault(r["model"], []).append(float(r["total_seconds"]))
        return cls(times)

    def add(self, model: str, seconds: float | None) -> None:
        if seconds:
            self.seconds.setdefault(model, []).append(float(seconds))

    def estimate(self, model: str) -> float | None:
        own = self.seconds.get(model)
        if own:
            return sum(own) / len(own)
        return None

    def remaining(self, jobs: list[JobSpec], elapsed: float) -> tuple[float, list[str]]:
        """Seconds left for the job in flight (``jobs[0]``, running for ``elapsed`` s) and the
        rest, from past jobs of the same model; and the models with no timing yet (their jobs
        are not in the number, which is then a lower bound)."""
        total, unknown = 0.0, []
        for k, job in enumerate(jobs):
            est = self.estimate(job.model)
            if est is None:
                if job.model not in unknown:
                    unknown.append(job.model)
                continue
            total += max(est - elapsed, 0.0) if k == 0 else est
        return total, unknown


def _clock(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m // 60}:{m % 60:02d}:{s:02d}" if m >= 60 else f"{m}:{s:02d}"


def fmt_eta(estimate: tuple[float, list[str]]) -> str:
    """``ETA 3:20``, or ``ETA ≥ 1:05 (+dasha)`` while some models have no timing yet."""
    seconds, unknown = estimate
    if not unknown:
        return f"ETA {_clock(seconds)}"
    return f"ETA ≥ {_clock(seconds)} (+{', '.join(unknown[:2])}{'…' if len(unknown) > 2 else ''})"


def _worker(jobs: list[JobSpec], url: str, settings: RunSettings, retry_failed: bool,
            device: str | None, threads: int | None = None) -> None:
    from .signals import sigterm_as_interrupt
    from .threads import configure_threads
    sigterm_as_interrupt()
    configure_threads(threads=threads)
    if device:
        settings.device = device
    run_jobs(jobs, Store(url), settings, retry_failed=retry_failed, progress=False)


def run_parallel(jobs: list[JobSpec], store: Store, settings: RunSettings, *, workers: int,
                 gpus: list[str] | None = None, retry_failed: bool = True) -> SweepReport:
    """N worker processes share the store and claim jobs from it (one GPU each if given)."""
    from .threads import choose_threads
    ctx = mp.get_context("spawn")
    procs = []
    threads = choose_threads(workers)  # the cores divided among the workers
    for i in range(workers):
        device = gpus[i % len(gpus)] if gpus else None
        order = jobs[i:] + jobs[:i]  # start at different jobs to reduce claim contention
        p = ctx.Process(target=_worker, args=(order, store.url, settings, retry_failed, device,
                                              threads))
        p.start()
        procs.append(p)
    keys = {j.key for j in jobs}
    with make_progress() as bar:
        tid = bar.add_task(f"sweep ({workers} workers)", total=len(keys), status="")
        while any(p.is_alive() for p in procs):
            bar.update(tid, completed=len(keys & store.ok_keys()))
            time.sleep(1.0)
        bar.update(tid, completed=len(keys & store.ok_keys()))
    rows = [r for r in store.rows() if r["job_key"] in keys]
    rep = SweepReport(done=sum(r["status"] == STATUS_OK for r in rows),
                      job_keys=[j.key for j in jobs])
    failed = [r for r in rows if r["status"] != STATUS_OK]
    rep.failed = len(failed)
    rep.failures = [(f"{r['task']} x {r['model']} (seed {r['seed']})",
                     (r["error"] or "").splitlines()[0]) for r in failed]
    return rep


def run_submitit(jobs: list[JobSpec], store: Store, settings: RunSettings,
                 executor_cfg: dict[str, Any], retry_failed: bool = True) -> SweepReport:
    """Submit worker jobs through submitit (SLURM, or ``cluster: local``/``debug``)."""
    try:
        import submitit
    except ImportError as exc:
        raise ConfigError("executor=slurm needs submitit",
                          "pip install 'sfmbench[distributed]'") from exc
    folder = Path(executor_cfg.get("folder", settings.run_dir / "submitit"))
    ex = submitit.AutoExecutor(folder=folder, cluster=executor_cfg.get("cluster"))
    params = {k: v for k, v in {
        "timeout_min": executor_cfg.get("timeout_min"),
        "slurm_partition": executor_cfg.get("partition"),
        "gpus_per_node": executor_cfg.get("gpus_per_node"),
        "cpus_per_task": executor_cfg.get("cpus_per_task"),
        "mem_gb": executor_cfg.get("mem_gb")}.items() if v is not None}
    if ex.cluster != "slurm":
        params = {k: v for k, v in params.items() if not k.startswith("slurm_")}
    ex.update_parameters(**params)
    workers = int(executor_cfg.get("workers", 1))
    submitted = [ex.submit(_worker, jobs[i:] + jobs[:i], store.url, settings, retry_failed, None)
                 for i in range(workers)]
    for job in submitted:
        job.result()
    keys = {j.key for j in jobs}
    rows = [r for r in store.rows() if r["job_key"] in keys]
    return SweepReport(done=sum(r["status"] == STATUS_OK for r in rows),
                       failed=sum(r["status"] != STATUS_OK for r in rows),
                       job_keys=[j.key for j in jobs])


def run_local(jobs: list[JobSpec], store: Store, settings: RunSettings,
              executor_cfg: dict[str, Any], retry_failed: bool = True,
              progress: bool = True) -> SweepReport:
    """This machine: one process (``workers: 1``) or N worker processes sharing the store."""
    workers = executor_cfg.get("workers", 1)
    if workers > 1:
        return run_parallel(jobs, store, settings, workers=workers,
                            gpus=executor_cfg.get("gpus") or None, retry_failed=retry_failed)
    from .threads import configure_threads
    configure_threads()
    return run_jobs(jobs, store, settings, retry_failed=retry_failed, progress=progress)


def _run_submitit(jobs: list[JobSpec], store: Store, settings: RunSettings,
                  executor_cfg: dict[str, Any], retry_failed: bool = True,
                  progress: bool = True) -> SweepReport:
    return run_submitit(jobs, store, settings, executor_cfg, retry_failed)


#: executor kind (an executor YAML's ``name``) -> the function that runs a sweep's jobs
EXECUTORS: dict[str, Callable[..., SweepReport]] = {"local": run_local, "slurm": _run_submitit}


"""Handlers of the ``sfmbench`` subcommands (argument parsing lives in :mod:`sfmbench.cli`)."""
from __future__ import annotations

import argparse
import fnmatch
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.console import Console
from rich.table import Table

from .catalog import METHODS, TASKS, create_task, task_names
from .config import (budget_names, check_keys, group_entry, make_job, model_config,
                     model_names, parse_overrides, split_prefixed, yaml_files)
from .errors import ConfigError, SfmbenchError, UnknownNameError
from .progress import console
from .results import STATUS_OK
from .store import Store, default_url

if TYPE_CHECKING:
    from .runner import RunSettings

def _stdout_console() -> Console:
    """Stdout console for data; wide when piped (rich assumes 80 columns without a terminal)."""
    con = Console()
    return con if con.is_terminal else Console(width=200)


out = _stdout_console()


def _run_dir() -> Path:
    return Path(os.environ.get("SFMBENCH_RUN_DIR", "sfmbench-runs"))


def _store(overrides: dict[str, Any] | None = None) -> Store:
    from .storage_config import storage_url
    return Store(storage_url((overrides or {}).get("storage"), _run_dir()))


def _settings(args: argparse.Namespace, overrides: dict[str, Any]) -> "RunSettings":
    from .runner import RunSettings
    return RunSettings(run_dir=_run_dir(), show_progress=not args.quiet,
                       save_predictions=bool(overrides.get("save_predictions", True)),
                       device=overrides.get("device"))


# --- run ------------------------------------------------------------------------------------
RUN_KEYS = {"task", "model", "seed", "budget", "storage", "device", "save_predictions"}


def run(args: argparse.Namespace) -> int:
    ov = parse_overrides(args.overrides)
    check_keys(ov, RUN_KEYS, "run")
    for key in ("task", "model"):
        if not ov.get(key):
            raise ConfigError(f"missing {key}=NAME",
                              f"list {key}s with `sfmbench {key}s list`; e.g. "
                              "sfmbench run task=ltsf/ETTh1-96 model=autoar")
    job = make_job(str(ov["task"]), str(ov["model"]), ov.get("seed", 0), ov.get("budget", "cpu"),
                   split_prefixed(ov, "task"), split_prefixed(ov, "model"))
    store = _store(ov)
    if store.has_ok(job.key):
        console.print(f"already stored: {escape(job.label)} [{job.key}] (showing the stored row)")
        row = next(r for r in store.rows() if r["job_key"] == job.key and r["status"] == STATUS_OK)
        _print_rows([row])
        return 0
    console.print(f"running {escape(job.label)}, budget {job.budget}, job {job.key}")
    from .runner import run_job
    row = run_job(job, store, _settings(args, ov))
    _print_rows([row.to_dict()])
    if row.status != STATUS_OK:
        console.print(f"[red]job failed:[/] {escape(row.error or '')}")
        return 1
    return 0


# --- sweep ----------------------------------------------------------------------------------
SWEEP_KEYS = {"suite", "tasks", "models", "seeds", "budget", "executor", "storage", "device",
              "retry_failed", "dry_run", "save_predictions", "task", "model"}


def _as_list(v: Any) -> list[Any] | None:
    if v is None:
        return None
    return list(v) if isinstance(v, (list, tuple)) else [v]


def sweep(args: argparse.Namespace, extra: dict[str, Any] | None = None) -> int:
    from .sweep import plan_sweep, run_jobs, run_parallel, run_submitit
    ov = {**(extra or {}), **parse_overrides(getattr(args, "overrides", []))}
    check_keys(ov, SWEEP_KEYS, "sweep")
    plan = plan_sweep(ov.get("suite"), tasks=_as_list(ov.get("tasks")),
                      models=_as_list(ov.get("models")), seeds=_as_list(ov.get("seeds")),
                      budget=ov.get("budget"), task_overrides=split_prefixed(ov, "task"),
                      model_overrides=split_prefixed(ov, "model"))
    for task, model, why in plan.skipped:
        console.print(f"[dim]skip {escape(task)} x {escape(model)}: {why}[/]")
    store = _store(ov)
    done = store.ok_keys()
    todo = [j for j in plan.jobs if j.key not in done]
    console.print(f"{len(plan.jobs)} jobs, {len(plan.jobs) - len(todo)} already stored, "
                  f"{len(todo)} to run; store {escape(store.url)}")
    if ov.get("dry_run"):
        for j in plan.jobs:
            out.print(f"{'done' if j.key in done else 'todo'}  {escape(j.label)}  {j.key}")
        return 0
    settings = _settings(args, ov)
    executor = str(ov.get("executor", "local"))
    ex_cfg = {**group_entry("executor", executor), **split_prefixed(ov, "executor")}
    retry = bool(ov.get("retry_failed", True))
    workers = ex_cfg.get("workers", 1)
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ConfigError(f"executor.workers must be a positive integer, got {workers!r}",
                          "e.g. executor.workers=2")
    if ex_cfg.get("name", executor) == "slurm" or executor == "slurm":
        report = run_submitit(plan.jobs, store, settings, ex_cfg, retry)
    elif workers > 1:
        report = run_parallel(plan.jobs, store, settings, workers=workers,
                              gpus=ex_cfg.get("gpus") or None, retry_failed=retry)
    else:
        report = run_jobs(plan.jobs, store, settings, retry_failed=retry,
                          progress=not args.quiet)
    console.print(f"sweep finished: {report.done} ran ok, {report.failed} failed, "
                  f"{report.skipped_existing} were already stored")
    for label, why in report.failures:
        console.print(f"[red]failed[/] {escape(label)}: {escape(why)}")
    return 0


# --- results ----------------------------------------------------------------------------------
BASE_COLUMNS = ["task", "method", "kind", "seed", "status", "primary_metric", "primary_value"]
TAIL_COLUMNS = ["best_val_metric", "total_seconds", "budget", "job_key", "error"]


def results_frame(rows: list[dict[str, Any]]):  # -> pandas.DataFrame
    import pandas as pd
    metric_names = sorted({m for r in rows for m in (r.get("metrics") or {})})
    records = []
    for r in rows:
        rec = {c: r.get(c) for c in BASE_COLUMNS}
        rec.update({m: (r.get("metrics") or {}).get(m) for m in metric_names})
        rec.update({c: r.get(c) for c in TAIL_COLUMNS})
        if rec["error"]:
            rec["error"] = str(rec["error"]).splitlines()[0]
        records.append(rec)
    return pd.DataFrame(records, columns=BASE_COLUMNS + metric_names + TAIL_COLUMNS)


def _filter(rows: list[dict[str, Any]], task: str | None, model: str | None,
            status: str | None = None) -> list[dict[str, Any]]:
    def ok(r: dict[str, Any]) -> bool:
        return ((not task or fnmatch.fnmatch(r["task"], task))
                and (not model or fnmatch.fnmatch(r["method"], model))
                and (not status or r["status"] == status))
    return [r for r in rows if ok(r)]


def results(args: argparse.Namespace) -> int:
    rows = _filter(_store().rows(latest=not args.all), args.task, args.model, args.status)
    frame = results_frame(rows)
    if args.format == "csv":
        text = frame.to_csv(index=False)
    elif args.format == "json":
        records = json.loads(frame.to_json(orient="records"))  # NaN -> null
        text = json.dumps(records, indent=2)
    else:
        if args.out:
            raise ConfigError("--out needs --format csv or json")
        _print_rows(rows)
        return 0
    if args.out:
        args.out.write_text(text)
        console.print(f"wrote {len(frame)} rows to {args.out}")
    else:
        print(text, end="" if text.endswith("\n") else "\n")
    return 0


def _print_rows(rows: list[dict[str, Any]]) -> None:
    frame = results_frame(rows)
    if len(frame) == 1:  # one job: a readable vertical summary
        rec = frame.to_dict("records")[0]
        table = Table("field", "value", show_header=False)
        for key, value in rec.items():
            if key != "error" and value is not None and value == value:
                table.add_row(key, _cell(value))
        for key in ("hyperparameters", "architecture", "stage_seconds"):
            if rows[0].get(key):
                table.add_row(key, escape(json.dumps(rows[0][key], default=str)[:300]))
        out.print(table)
        if rec.get("error"):
            out.print(f"[red]error:[/] {escape(str(rec['error']))}")
        return
    table = Table(show_lines=False)
    cols = [c for c in frame.columns if c not in ("error", "budget")]
    for c in cols:
        table.add_column(c, overflow="fold")
    for rec in frame.to_dict("records"):
        table.add_row(*[_cell(rec[c]) for c in cols])
    out.print(table)
    for rec in frame.to_dict("records"):
        if rec.get("error"):
            out.print(f"[red]{escape(rec['task'])} x {escape(rec['method'])}:[/] "
                      f"{escape(str(rec['error']))}")


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return "" if v != v else f"{v:.4g}"
    return escape("" if v is None else str(v))


# --- leaderboard ------------------------------------------------------------------------------
def leaderboard(args: argparse.Namespace) -> int:
    from sfmbench.leaderboard import build_leaderboard, render_table
    frame = _store().frame()
    if args.task:
        frame = frame[[fnmatch.fnmatch(t, args.task) for t in frame["task"]]]
    if getattr(args, "budget", None):
        frame = frame[frame["budget"] == args.budget]
    result = build_leaderboard(frame, args.out)
    out.print(render_table(result.leaderboard))
    console.print(f"wrote {', '.join(str(p) for p in result.paths.values())}")
    return 0


# --- listings ---------------------------------------------------------------------------------
def tasks(args: argparse.Namespace) -> int:
    if args.action == "list":
        table = Table("task", "domain", "problem", "description")
        for name in task_names(args.name):
            md = TASKS.metadata(name)
            table.add_row(escape(name), md.get("domain", ""), md.get("problem", ""),
                          escape(md.get("description", "")))
        out.print(table)
        return 0
    name = _need_name(args, "task")
    task = create_task(name)
    info = {**task.spec.to_dict(), "parameters": task.config}
    out.print_json(json.dumps(info, default=str))
    return 0


def models(args: argparse.Namespace) -> int:
    if args.action == "list":
        table = Table("model", "method", "kind", "problems", "description")
        for name in model_names(args.name):
            try:
                cfg = model_config(name)
                cls = METHODS.get(cfg.method)
                table.add_row(escape(name), cfg.method, cls.kind,
                              ",".join(sorted(p.value for p in cls.problems)),
                              escape(_first_sentence(cfg.description or cls.__doc__ or "")))
            except SfmbenchError as exc:
                table.add_row(escape(name), "?", "?", "?", f"[red]{escape(exc.message)}[/]")
        out.print(table)
        return 0
    name = _need_name(args, "model")
    cfg = model_config(name)
    cls = METHODS.get(cfg.method)
    info = {"name": name, "method": cfg.method, "class": f"{cls.__module__}.{cls.__qualname__}",
            "kind": cls.kind, "tuned": cls.tuned,
            "problems": sorted(p.value for p in cls.problems), "domains": sorted(cls.domains),
            "description": cfg.description or (cls.__doc__ or "").strip(),
            "config_file": cfg.source, "default_params": cls.defaults, "params": cfg.params,
            "budgets": {b: cfg.resolved_params(b) for b in budget_names()}}
    out.print_json(json.dumps(info, default=str))
    return 0


def _first_sentence(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    cut = text.split(". ")[0].split(": ")[0]
    return cut if len(cut) <= limit else cut[: limit - 1] + "…"


def suites(args: argparse.Namespace) -> int:
    files = yaml_files("suite")
    if args.action == "list":
        table = Table("suite", "tasks", "models", "seeds", "budget", "description")
        for name in sorted(files):
            if args.name and not fnmatch.fnmatch(name, args.name):
                continue
            d = group_entry("suite", name)
            table.add_row(name, escape(", ".join(map(str, d.get("tasks", [])))),
                          escape(", ".join(map(str, d.get("models", [])))),
                          str(d.get("seeds", [0])), str(d.get("budget", "cpu")),
                          escape(d.get("description", "")))
        out.print(table)
        return 0
    name = _need_name(args, "suite")
    out.print_json(json.dumps(group_entry("suite", name), default=str))
    return 0


def _need_name(args: argparse.Namespace, kind: str) -> str:
    if not args.name:
        raise ConfigError(f"`{kind}s show` needs a name", f"see `sfmbench {kind}s list`")
    return args.name


# --- demo -------------------------------------------------------------------------------------
def demo(args: argparse.Namespace) -> int:
    if args.run_dir is None and not os.environ.get("SFMBENCH_STORAGE"):
        os.environ["SFMBENCH_RUN_DIR"] = "sfmbench-demo"
    console.print("[bold]sfmbench demo[/]: generated tasks, tuned baselines vs references, "
                  f"offline; results in {escape(str(_run_dir()))}")
    sweep(args, extra={"suite": "demo"})
    args.out = args.out or _run_dir() / "leaderboard"
    args.task, args.budget = None, None
    return leaderboard(args)


# --- check-plugin -----------------------------------------------------------------------------
def check_plugin(args: argparse.Namespace) -> int:
    from .plugin_check import check_plugin as run_check
    report = run_check(args.name, parse_overrides(args.overrides))
    for line in report.lines:
        out.print(line)
    return 0 if report.ok else 1

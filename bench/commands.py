"""Handlers of the job commands: `run`, `sweep`, `demo`, `rerun`, `check-plugin`
(argument parsing lives in :mod:`sfmbench.cli`)."""
from __future__ import annotations

import argparse
import json
import logging
import os
from pathlib import Path
from typing import Any

from rich import box
from rich.markup import escape
from rich.table import Table

from .catalog import METHODS, TASKS
from .commands_common import current_run_dir, open_store, out, run_settings
from .commands_results import cell, leaderboard, print_rows
from .config import check_keys, group_entry, make_job, model_names, split_prefixed
from .errors import ConfigError
from .overrides import parse_overrides
from .parsing import bool_setting, per_model_overrides
from .progress import console
from .redact import redact_url
from .results import STATUS_OK
from .sorting import natural_key
from .store import Store

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
    from .sweep import check_job
    check_job(job)  # bad task/model settings: exit 2 before anything runs or is stored
    store = open_store(ov)
    if store.has_ok(job.key):
        console.print(f"already stored: {escape(job.label)} [{job.key}] (showing the stored row)")
        row = next(r for r in store.rows() if r["job_key"] == job.key and r["status"] == STATUS_OK)
        print_rows([row])
        return 0
    from .threads import configure_threads
    threads = configure_threads()
    console.print(f"running {escape(job.label)}, budget {job.budget}, job {job.key}, "
                  f"{threads} thread{'s' if threads > 1 else ''}")
    from .monitor import stage_listener
    from .runner import run_job
    settings = run_settings(args, ov)
    quiet = args.quiet or not console.is_terminal
    with console.status(f"{escape(job.label)}: starting") as status, \
            stage_listener(lambda stage: status.update(f"{escape(job.label)}: {escape(stage)}")
                           if not quiet else None):
        if quiet:
            status.stop()
        settings.show_progress = False  # the status line shows the stage instead
        row = run_job(job, store, settings)
    print_rows([row.to_dict()], show_errors=False)   # the failure is printed once, below
    end_of_run(store, [job.key], settings.run_dir)
    return 0 if row.status == STATUS_OK else 1


def end_of_run(store: Store, keys: list[str], run_dir: Path,
               leaderboard_dir: Path | None = None) -> None:
    """The compact table of what a run or sweep stored, each failure once with its reason and
    hint, and where rows, predictions and the leaderboard are."""
    wanted = set(keys)
    rows = [r for r in store.rows() if r["job_key"] in wanted]
    rows.sort(key=lambda r: (natural_key(r["task"]), r["model"], r["seed"]))
    table = Table("task", "model", "seed", "status", "metric", "test", "val", "time",
                  title="stored by this run", title_justify="left", box=box.SIMPLE_HEAD)
    for r in rows:
        ok = r["status"] == STATUS_OK
        table.add_row(escape(r["task"]), escape(r["model"]), str(r["seed"]),
                      "ok" if ok else "[red]failed[/]", escape(r.get("primary_metric") or ""),
                      cell(r.get("primary_value")) if ok else "",
                      cell(r.get("best_val_metric")), _seconds(r.get("total_seconds")))
    out.print(table)
    for r in rows:
        if r["status"] != STATUS_OK:
            lines = str(r.get("error") or "").strip().splitlines() or ["(no reason stored)"]
            hints = [ln.strip() for ln in lines[1:] if ln.strip().startswith("hint:")]
            out.print(f"[red]failed[/] {escape(r['task'])} x {escape(r['model'])} "
                      f"(seed {r['seed']}): {escape(lines[0])}"
                      + "".join(f"\n  [yellow]{escape(h)}[/]" for h in hints))
    preds = run_dir / "predictions"
    out.print(f"rows: {escape(redact_url(store.url))}  (`sfmbench results`)")
    if preds.is_dir():
        out.print(f"predictions: {escape(str(preds))}/<job key>.npy")
    out.print(f"leaderboard: {escape(str(leaderboard_dir))}/leaderboard.html" if leaderboard_dir
              else "leaderboard: `sfmbench leaderboard --out DIR` writes CSV, Markdown and HTML")


def _seconds(value: Any) -> str:
    if value is None or value != value:
        return ""
    value = float(value)
    return f"{value:.1f} s" if value < 120 else f"{value / 60:.1f} min"


# --- sweep ----------------------------------------------------------------------------------
SWEEP_KEYS = {"suite", "tasks", "models", "seeds", "budget", "executor", "storage", "device",
              "retry_failed", "dry_run", "save_predictions", "task", "model"}


def _as_list(v: Any) -> list[Any] | None:
    if v is None:
        return None
    return list(v) if isinstance(v, (list, tuple)) else [v]


def sweep(args: argparse.Namespace, extra: dict[str, Any] | None = None,
          leaderboard_dir: Path | None = None) -> int:
    from .sweep import EXECUTORS, plan_sweep
    ov = {**(extra or {}), **parse_overrides(getattr(args, "overrides", []))}
    ov, per_model = per_model_overrides(ov, SWEEP_KEYS, model_names())  # NAME.KEY=VALUE
    check_keys(ov, SWEEP_KEYS, "sweep")
    plan = plan_sweep(ov.get("suite"), tasks=_as_list(ov.get("tasks")),
                      models=_as_list(ov.get("models")), seeds=_as_list(ov.get("seeds")),
                      budget=ov.get("budget"), task_overrides=split_prefixed(ov, "task"),
                      model_overrides=split_prefixed(ov, "model"), per_model=per_model)
    for task, model, why in plan.skipped:
        console.print(f"[dim]skip {escape(task)} x {escape(model)}: {escape(why)}[/]")
    store = open_store(ov)
    done = store.ok_keys()
    todo = [j for j in plan.jobs if j.key not in done]
    console.print(f"{len(plan.jobs)} jobs, {len(plan.jobs) - len(todo)} already stored, "
                  f"{len(todo)} to run; store {escape(redact_url(store.url))}")
    if bool_setting(ov, "dry_run", False):
        for j in plan.jobs:
            out.print(f"{'done' if j.key in done else 'todo'}  {escape(j.label)}  {j.key}")
        return 0
    settings = run_settings(args, ov)
    executor = str(ov.get("executor", "local"))
    ex_cfg = {**group_entry("executor", executor), **split_prefixed(ov, "executor")}
    from .sweep import EXECUTOR_KEYS
    if set(ex_cfg) - EXECUTOR_KEYS:
        raise ConfigError(f"executor {executor!r} has unknown setting(s) "
                          f"{sorted(set(ex_cfg) - EXECUTOR_KEYS)}",
                          f"allowed: {', '.join(sorted(EXECUTOR_KEYS))}")
    retry = bool_setting(ov, "retry_failed", True)
    workers = ex_cfg.get("workers", 1)
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ConfigError(f"executor.workers must be a positive integer, got {workers!r}",
                          "e.g. executor.workers=2")
    logging.getLogger("sfmbench.runner").setLevel(logging.ERROR)  # failures: once, at the end
    # an executor YAML names its kind; without one: its file name if that is a kind, else local
    kind = str(ex_cfg.get("name") or (executor if executor in EXECUTORS else "local"))
    if kind not in EXECUTORS:
        raise ConfigError(f"executor {executor!r} has unknown kind name={kind!r}",
                          f"set name to one of: {', '.join(EXECUTORS)}")
    report = EXECUTORS[kind](plan.jobs, store, settings, ex_cfg, retry, progress=not args.quiet)
    console.print(f"sweep finished: {report.done} ran ok, {report.failed} failed, "
                  f"{report.skipped_existing} were already stored"
                  + (f", {report.claimed_elsewhere} were run by other workers"
                     if report.claimed_elsewhere else ""))
    end_of_run(store, [j.key for j in plan.jobs], settings.run_dir, leaderboard_dir)
    return 1 if report.failed else 0


# --- rerun ------------------------------------------------------------------------------------
def rerun(args: argparse.Namespace) -> int:
    """Run a stored job again into a scratch store; print stored vs new, value by value."""
    from .rerun import rerun as run_again
    report = run_again(open_store(), args.job_key, args.scratch, show_progress=not args.quiet)
    table = Table("value", "stored", "new", "same", title=f"rerun of {report.job_key}")
    for c in report.comparisons:
        table.add_row(escape(c.name), cell(_show(c.stored)), cell(_show(c.new)),
                      "yes" if c.same else "[red]NO[/]")
    out.print(table)
    if report.new.status != STATUS_OK:
        console.print(f"[red]the rerun failed:[/] {escape(report.new.error or '')}")
    console.print("identical" if report.identical else "[red]the rerun differs[/]")
    return 0 if report.identical else 1


def _show(v: Any) -> Any:
    return json.dumps(v, sort_keys=True, default=str) if isinstance(v, (dict, list)) else v


# --- demo -------------------------------------------------------------------------------------
def demo(args: argparse.Namespace) -> int:
    if args.run_dir is None and not os.environ.get("SFMBENCH_STORAGE"):
        os.environ["SFMBENCH_RUN_DIR"] = "sfmbench-demo"
    console.print("[bold]sfmbench demo[/]: generated tasks; tuned baselines vs references and "
                  "FMs (demo-fm, pretrained here on generated series; ORCA over the real "
                  "all-MiniLM-L6-v2 where sfmbench\\[crossmodal] is installed); "
                  f"offline; results in {escape(str(current_run_dir()))}")
    args.out = args.out or current_run_dir() / "leaderboard"
    code = sweep(args, extra={"suite": "demo"}, leaderboard_dir=args.out)
    args.task, args.budget = None, None
    return leaderboard(args) or code


# --- check-plugin -----------------------------------------------------------------------------
def check_plugin(args: argparse.Namespace) -> int:
    from .plugin_check import check_plugin as run_check
    overrides = parse_overrides(args.overrides)
    if args.name in TASKS and args.name not in METHODS:  # a task plugin
        from .task_check import check_task
        report = check_task(args.name, split_prefixed(overrides, "task"))
    else:
        report = run_check(args.name, overrides)
    for line in report.lines:
        out.print(line)
    return 0 if report.ok else 1

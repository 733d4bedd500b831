"""Handlers of the ``sfmbench`` subcommands (argument parsing lives in :mod:`sfmbench.cli`)."""
from __future__ import annotations

import argparse
import fnmatch
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich import box
from rich.markup import escape
from rich.console import Console
from rich.table import Table

from .catalog import METHODS, TASKS, create_task, task_names
from .budget import resolved_counts
from .config import (budget_names, check_keys, group_entry, make_job, model_config,
                     model_names, parse_overrides, split_prefixed, yaml_files)
from .errors import ConfigError, SfmbenchError
from .extras import missing_extra
from .parsing import bool_setting, per_model_overrides
from .redact import redact_url
from .progress import console
from .results import STATUS_OK
from .sorting import natural_key, natural_sorted
from .store import Store

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
                       save_predictions=bool_setting(overrides, "save_predictions", True),
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
    from .sweep import check_job
    check_job(job)  # bad task/model settings: exit 2 before anything runs or is stored
    store = _store(ov)
    if store.has_ok(job.key):
        console.print(f"already stored: {escape(job.label)} [{job.key}] (showing the stored row)")
        row = next(r for r in store.rows() if r["job_key"] == job.key and r["status"] == STATUS_OK)
        _print_rows([row])
        return 0
    from .threads import configure_threads
    threads = configure_threads()
    console.print(f"running {escape(job.label)}, budget {job.budget}, job {job.key}, "
                  f"{threads} thread{'s' if threads > 1 else ''}")
    from .monitor import stage_listener
    from .runner import run_job
    settings = _settings(args, ov)
    quiet = args.quiet or not console.is_terminal
    with console.status(f"{escape(job.label)}: starting") as status, \
            stage_listener(lambda stage: status.update(f"{escape(job.label)}: {escape(stage)}")
                           if not quiet else None):
        if quiet:
            status.stop()
        settings.show_progress = False  # the status line shows the stage instead
        row = run_job(job, store, settings)
    _print_rows([row.to_dict()], show_errors=False)   # the failure is printed once, below
    end_of_run(store, [job.key], settings.run_dir)
    return 0 if row.status == STATUS_OK else 1


def end_of_run(store: Store, keys: list[str], run_dir: Path,
               leaderboard_dir: Path | None = None) -> None:
    """The compact table of what a run or sweep stored, each failure once with its reason and
    hint, and where rows, predictions and the leaderboard are."""
    wanted = set(keys)
    rows = [r for r in store.rows() if r["job_key"] in wanted]
    rows.sort(key=lambda r: (natural_key(r["task"]), r["method"], r["seed"]))
    table = Table("task", "model", "seed", "status", "metric", "test", "val", "time",
                  title="stored by this run", title_justify="left", box=box.SIMPLE_HEAD)
    for r in rows:
        ok = r["status"] == STATUS_OK
        table.add_row(escape(r["task"]), escape(r["method"]), str(r["seed"]),
                      "ok" if ok else "[red]failed[/]", escape(r.get("primary_metric") or ""),
                      _cell(r.get("primary_value")) if ok else "",
                      _cell(r.get("best_val_metric")), _seconds(r.get("total_seconds")))
    out.print(table)
    for r in rows:
        if r["status"] != STATUS_OK:
            lines = str(r.get("error") or "").strip().splitlines() or ["(no reason stored)"]
            hints = [ln.strip() for ln in lines[1:] if ln.strip().startswith("hint:")]
            out.print(f"[red]failed[/] {escape(r['task'])} x {escape(r['method'])} "
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
    from .sweep import plan_sweep, run_jobs, run_parallel, run_submitit
    ov = {**(extra or {}), **parse_overrides(getattr(args, "overrides", []))}
    ov, per_model = per_model_overrides(ov, SWEEP_KEYS, model_names())  # NAME.KEY=VALUE
    check_keys(ov, SWEEP_KEYS, "sweep")
    plan = plan_sweep(ov.get("suite"), tasks=_as_list(ov.get("tasks")),
                      models=_as_list(ov.get("models")), seeds=_as_list(ov.get("seeds")),
                      budget=ov.get("budget"), task_overrides=split_prefixed(ov, "task"),
                      model_overrides=split_prefixed(ov, "model"), per_model=per_model)
    for task, model, why in plan.skipped:
        console.print(f"[dim]skip {escape(task)} x {escape(model)}: {why}[/]")
    store = _store(ov)
    done = store.ok_keys()
    todo = [j for j in plan.jobs if j.key not in done]
    console.print(f"{len(plan.jobs)} jobs, {len(plan.jobs) - len(todo)} already stored, "
                  f"{len(todo)} to run; store {escape(redact_url(store.url))}")
    if bool_setting(ov, "dry_run", False):
        for j in plan.jobs:
            out.print(f"{'done' if j.key in done else 'todo'}  {escape(j.label)}  {j.key}")
        return 0
    settings = _settings(args, ov)
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
    if ex_cfg.get("name", executor) == "slurm" or executor == "slurm":
        report = run_submitit(plan.jobs, store, settings, ex_cfg, retry)
    elif workers > 1:
        report = run_parallel(plan.jobs, store, settings, workers=workers,
                              gpus=ex_cfg.get("gpus") or None, retry_failed=retry)
    else:
        from .threads import configure_threads
        configure_threads()
        report = run_jobs(plan.jobs, store, settings, retry_failed=retry,
                          progress=not args.quiet)
    console.print(f"sweep finished: {report.done} ran ok, {report.failed} failed, "
                  f"{report.skipped_existing} were already stored")
    end_of_run(store, [j.key for j in plan.jobs], settings.run_dir, leaderboard_dir)
    return 1 if report.failed else 0


# --- results ----------------------------------------------------------------------------------
BASE_COLUMNS = ["task", "method", "kind", "seed", "status", "primary_metric", "primary_value"]
TAIL_COLUMNS = ["best_val_metric", "total_seconds", "truncated", "budget", "job_key", "error"]
#: `results --wide`: what each method chose and how much work it did
WIDE_COLUMNS = ["recipe", "n_trials", "epochs", "train_samples", "hyperparameters",
                "architecture", "load_seconds", "tune_seconds", "train_seconds",
                "inference_seconds", "stage_seconds"]
_JSON_COLUMNS = ("hyperparameters", "architecture", "stage_seconds")


def results_frame(rows: list[dict[str, Any]], wide: bool = False):  # -> pandas.DataFrame
    import pandas as pd
    metric_names = sorted({m for r in rows for m in (r.get("metrics") or {})})
    extra = WIDE_COLUMNS if wide else []
    records = []
    for r in rows:
        rec = {c: r.get(c) for c in BASE_COLUMNS}
        rec.update({m: (r.get("metrics") or {}).get(m) for m in metric_names})
        rec.update({c: r.get(c) for c in TAIL_COLUMNS})
        rec["truncated"] = bool(rec["truncated"])
        for c in extra:
            v = r.get(c)
            rec[c] = json.dumps(v, sort_keys=True, default=str) if c in _JSON_COLUMNS and v \
                else v
        if rec["error"]:
            rec["error"] = str(rec["error"]).splitlines()[0]
        records.append(rec)
    return pd.DataFrame(records, columns=BASE_COLUMNS + metric_names + TAIL_COLUMNS[:-1]
                        + extra + TAIL_COLUMNS[-1:])


def _filter(rows: list[dict[str, Any]], task: str | None, model: str | None,
            status: str | None = None) -> list[dict[str, Any]]:
    def ok(r: dict[str, Any]) -> bool:
        return ((not task or fnmatch.fnmatch(r["task"], task))
                and (not model or fnmatch.fnmatch(r["method"], model))
                and (not status or r["status"] == status))
    return [r for r in rows if ok(r)]


def results(args: argparse.Namespace) -> int:
    if getattr(args, "action", "show") == "delete":
        return delete_results(args)
    rows = _filter(_store().rows(latest=not args.all), args.task, args.model, args.status)
    wide = bool(getattr(args, "wide", False))
    frame = results_frame(rows, wide)
    if args.format == "csv":
        from sfmbench.leaderboard.safe_csv import neutralize_frame
        text = neutralize_frame(frame).to_csv(index=False)
    elif args.format == "json":
        records = json.loads(frame.to_json(orient="records"))  # NaN -> null
        text = json.dumps(records, indent=2)
    else:
        if args.out:
            raise ConfigError("--out needs --format csv or json")
        _print_rows(rows, wide)
        return 0
    if args.out:
        args.out.write_text(text)
        console.print(f"wrote {len(frame)} rows to {args.out}")
    else:
        print(text, end="" if text.endswith("\n") else "\n")
    return 0


def delete_results(args: argparse.Namespace) -> int:
    """Delete every stored attempt of the jobs the filters select, after a listing and a yes."""
    store = _store()
    every = store.rows(latest=False)
    chosen = {r["job_key"] for r in _filter(store.rows(latest=not args.all), args.task,
                                            args.model, args.status)}
    if args.status:  # --status failed: only the failed attempts, keep any ok row
        doomed = [r for r in every if r["job_key"] in chosen and r["status"] == args.status]
    else:
        doomed = [r for r in every if r["job_key"] in chosen]
    if not doomed:
        console.print("no stored rows match these filters; nothing to delete")
        return 0
    table = Table("task", "model", "seed", "status", "budget", "job", box=box.SIMPLE_HEAD)
    for r in doomed:
        table.add_row(escape(r["task"]), escape(r["method"]), str(r["seed"]), r["status"],
                      escape(str(r.get("budget") or "")), r["job_key"])
    out.print(table)
    what = f"{len(doomed)} row{'s' if len(doomed) != 1 else ''} from {redact_url(store.url)}"
    if args.dry_run:
        console.print(f"dry run: would delete {escape(what)}")
        return 0
    if not args.yes:
        import sys
        if not sys.stdin.isatty():
            raise ConfigError(f"refusing to delete {what} without confirmation",
                              "check the listing, then re-run with --yes")
        answer = input(f"delete {what}? [y/N] ").strip().lower()
        if answer not in ("y", "yes"):
            console.print("nothing deleted")
            return 1
    n = store.delete_ids([r["id"] for r in doomed])
    console.print(f"deleted {n} row{'s' if n != 1 else ''}")
    return 0


def _print_rows(rows: list[dict[str, Any]], wide: bool = False, *,
                show_errors: bool = True) -> None:
    frame = results_frame(rows, wide)
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
        if rec.get("error") and show_errors:
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
    published = None
    if getattr(args, "published", False):
        from sfmbench.leaderboard.published import load_published
        published = load_published()
    result = build_leaderboard(frame, args.out, examples_dir=_run_dir() / "predictions",
                               published=published)
    out.print(render_table(result.leaderboard))
    console.print(f"wrote {', '.join(str(p) for p in result.paths.values())}")
    return 0


# --- rerun ------------------------------------------------------------------------------------
def rerun(args: argparse.Namespace) -> int:
    """Run a stored job again into a scratch store; print stored vs new, value by value."""
    from .rerun import rerun as run_again
    report = run_again(_store(), args.job_key, args.scratch, show_progress=not args.quiet)
    table = Table("value", "stored", "new", "same", title=f"rerun of {report.job_key}")
    for c in report.comparisons:
        table.add_row(escape(c.name), _cell(_show(c.stored)), _cell(_show(c.new)),
                      "yes" if c.same else "[red]NO[/]")
    out.print(table)
    if report.new.status != STATUS_OK:
        console.print(f"[red]the rerun failed:[/] {escape(report.new.error or '')}")
    console.print("identical" if report.identical else "[red]the rerun differs[/]")
    return 0 if report.identical else 1


def _show(v: Any) -> Any:
    return json.dumps(v, sort_keys=True, default=str) if isinstance(v, (dict, list)) else v


# --- listings ---------------------------------------------------------------------------------
def tasks(args: argparse.Namespace) -> int:
    if args.action == "list":
        table = Table("task", "domain", "problem", "description")
        for name in natural_sorted(task_names(args.name)):
            md = TASKS.metadata(name)
            table.add_row(escape(name), md.get("domain", ""), md.get("problem", ""),
                          escape(md.get("description", "")))
        out.print(table)
        return 0
    name = _need_name(args, "task")
    task = create_task(name)
    info = {**task.spec.to_dict(), "parameters": task.config}
    if args.json:
        out.print_json(json.dumps(info, default=str))
        return 0
    spec = info
    summary = {
        "task": name,
        "description": spec.get("description") or TASKS.metadata(name).get("description", ""),
        "domain": spec.get("domain"), "problem": spec.get("problem"),
        "primary metric": f"{spec.get('primary_metric')} "
                          f"({'higher' if spec.get('higher_is_better') else 'lower'} is better)",
        "metrics": ", ".join(map(str, spec.get("metrics") or [])),
        "classes": spec.get("num_classes"),
        "horizon": spec.get("horizon"), "lookback": spec.get("lookback"),
        "input shape": spec.get("input_shape"),
        "splits": spec.get("splits"), "source": spec.get("source"),
        "license": spec.get("license"), "citation": spec.get("citation"),
        "parameters": ", ".join(f"{k}={v}" for k, v in (task.config or {}).items()),
    }
    _print_summary(summary, f"`sfmbench tasks show {name} --json` for the full spec")
    return 0


def _print_summary(fields: dict[str, Any], footer: str) -> None:
    table = Table(show_header=False, box=box.SIMPLE)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in fields.items():
        if value not in (None, "", [], {}):
            table.add_row(key, escape(str(value)))
    out.print(table)
    out.print(f"[dim]{escape(footer)}[/]")


def models(args: argparse.Namespace) -> int:
    if args.action == "list":
        table = Table("model", "kind", "tuned", "installed", "problems", "description")
        for name in natural_sorted(model_names(args.name)):
            try:
                cfg = model_config(name)
                extra = missing_extra(cfg.method)
                installed = ("yes" if extra is None
                             else f"[yellow]needs sfmbench\\[{extra}][/]")
                cls = METHODS.get(cfg.method)
                table.add_row(escape(name), cls.kind, "yes" if cls.tuned else "",
                              installed, ",".join(sorted(p.value for p in cls.problems)),
                              escape(_first_sentence(cfg.description or cls.__doc__ or "")))
            except SfmbenchError as exc:
                table.add_row(escape(name), "?", "?", "?", "?", f"[red]{escape(exc.message)}[/]")
        out.print(table)
        _print_plugin_problems()
        return 0
    name = _need_name(args, "model")
    cfg = model_config(name)
    cls = METHODS.get(cfg.method)
    entry = METHODS.entry(cfg.method)
    info = {"name": name, "method": cfg.method, "class": f"{cls.__module__}.{cls.__qualname__}",
            "class_from": entry.source if entry.source == "builtin" else f"plugin {entry.source}",
            "replaces_builtin": entry.replaces is not None,
            "kind": cls.kind, "tuned": cls.tuned,
            "problems": sorted(p.value for p in cls.problems), "domains": sorted(cls.domains),
            "description": cfg.description or (cls.__doc__ or "").strip(),
            "config_file": cfg.source, "default_params": cls.defaults, "params": cfg.params,
            "budgets": {b: cfg.resolved_params(b) for b in budget_names()},
            # the work each budget buys (conf/budget/*.yaml, refined by the model YAML)
            "counts": {b: resolved_counts(cls, cfg.resolved_params(b)) for b in budget_names()}}
    if args.json:
        out.print_json(json.dumps(info, default=str))
        return 0
    extra = missing_extra(cfg.method)
    _print_summary({
        "model": name, "description": info["description"],
        "kind": f"{cls.kind}{' (tuned on validation)' if cls.tuned else ''}",
        "runs": "once per task (deterministic)" if getattr(cls, "deterministic", False)
                else "once per seed",
        "installed": "yes" if extra is None else f"no: pip install 'sfmbench[{extra}]'",
        "problems": ", ".join(info["problems"]), "domains": ", ".join(info["domains"]) or "any",
        "pretraining data": getattr(cls, "pretraining_data", None),
        "class": info["class"],
        "class from": info["class_from"] + (" (replaces the built-in: SFMBENCH_ALLOW_OVERRIDE)"
                                            if info["replaces_builtin"] else ""),
        "config file": info["config_file"],
        "parameters": ", ".join(f"{k}={v}" for k, v in (cfg.params or {}).items()),
        "work per budget": "; ".join(f"{b}: " + (", ".join(f"{k}={v}" for k, v in c.items())
                                                 or "-") for b, c in info["counts"].items()),
        "budgets": "; ".join(f"{b}: " + (", ".join(f"{k}={v}" for k, v in p.items()
                                                   if (cfg.params or {}).get(k) != v) or "-")
                             for b, p in info["budgets"].items()),
    }, f"`sfmbench models show {name} --json` for the full document")
    return 0


def _print_plugin_problems() -> None:
    """The "broken plugins" section: every skipped or refused plugin entry and config, why."""
    from .config import config_problems
    problems = [(f"{reg.kind} {p.name}", p.source, p.reason, p.hint)
                for reg in (METHODS, TASKS) for p in reg.problems()]
    problems += [(what, "config", why, "") for what, why in config_problems()]
    if not problems:
        return
    table = Table("entry", "package", "problem", title="broken plugins (skipped)",
                  title_justify="left")
    for name, source, reason, hint in problems:
        table.add_row(escape(name), escape(source),
                      escape(reason + (f" (hint: {hint})" if hint else "")))
    out.print(table)


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
    entry = group_entry("suite", name)
    if args.json:
        out.print_json(json.dumps(entry, default=str))
        return 0
    _print_summary({"suite": name, **{k: (", ".join(map(str, v)) if isinstance(v, list) else v)
                                      for k, v in entry.items()}},
                   f"`sfmbench suites show {name} --json` for the full document")
    return 0


def _need_name(args: argparse.Namespace, kind: str) -> str:
    if not args.name:
        raise ConfigError(f"`{kind}s show` needs a name", f"see `sfmbench {kind}s list`")
    return args.name


# --- demo -------------------------------------------------------------------------------------
def demo(args: argparse.Namespace) -> int:
    if args.run_dir is None and not os.environ.get("SFMBENCH_STORAGE"):
        os.environ["SFMBENCH_RUN_DIR"] = "sfmbench-demo"
    console.print("[bold]sfmbench demo[/]: generated tasks; tuned baselines vs references and "
                  "FMs (demo-fm, pretrained here on generated series; ORCA over the real "
                  "all-MiniLM-L6-v2 where sfmbench\\[crossmodal] is installed); "
                  f"offline; results in {escape(str(_run_dir()))}")
    args.out = args.out or _run_dir() / "leaderboard"
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

"""Handlers of `results` (show, delete) and `leaderboard`: what the store holds."""
from __future__ import annotations

import argparse
import fnmatch
import json
from typing import Any

from rich import box
from rich.markup import escape
from rich.table import Table

from .commands_common import current_run_dir, open_store, out
from .errors import ConfigError
from .progress import console
from .redact import redact_url

# --- results ----------------------------------------------------------------------------------
BASE_COLUMNS = ["task", "model", "kind", "seed", "status", "primary_metric", "primary_value"]
TAIL_COLUMNS = ["best_val_metric", "total_seconds", "truncated", "budget", "job_key", "error"]
#: `results --wide`: the Method class, what it chose and how much work it did
WIDE_COLUMNS = ["method", "recipe", "n_trials", "epochs", "train_samples", "hyperparameters",
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
                and (not model or fnmatch.fnmatch(r["model"], model))
                and (not status or r["status"] == status))
    return [r for r in rows if ok(r)]


def results(args: argparse.Namespace) -> int:
    if getattr(args, "action", "show") == "delete":
        return delete_results(args)
    rows = _filter(open_store().rows(latest=not args.all), args.task, args.model, args.status)
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
        print_rows(rows, wide)
        return 0
    if args.out:
        args.out.write_text(text)
        console.print(f"wrote {len(frame)} rows to {args.out}")
    else:
        print(text, end="" if text.endswith("\n") else "\n")
    return 0


def delete_results(args: argparse.Namespace) -> int:
    """Delete every stored attempt of the jobs the filters select, after a listing and a yes."""
    store = open_store()
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
        table.add_row(escape(r["task"]), escape(r["model"]), str(r["seed"]), r["status"],
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


def print_rows(rows: list[dict[str, Any]], wide: bool = False, *,
                show_errors: bool = True) -> None:
    frame = results_frame(rows, wide)
    if len(frame) == 1:  # one job: a readable vertical summary
        rec = frame.to_dict("records")[0]
        table = Table("field", "value", show_header=False)
        for key, value in rec.items():
            if key != "error" and value is not None and value == value:
                table.add_row(key, cell(value))
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
        table.add_row(*[cell(rec[c]) for c in cols])
    out.print(table)
    for rec in frame.to_dict("records"):
        if rec.get("error"):
            out.print(f"[red]{escape(rec['task'])} x {escape(rec['model'])}:[/] "
                      f"{escape(str(rec['error']))}")


def cell(v: Any) -> str:
    if isinstance(v, float):
        return "" if v != v else f"{v:.4g}"
    return escape("" if v is None else str(v))


# --- leaderboard ------------------------------------------------------------------------------
def leaderboard(args: argparse.Namespace) -> int:
    from sfmbench.leaderboard import build_leaderboard, render_table
    frame = open_store().frame()
    if args.task:
        frame = frame[[fnmatch.fnmatch(t, args.task) for t in frame["task"]]]
    if getattr(args, "budget", None):
        frame = frame[frame["budget"] == args.budget]
    published = None
    if getattr(args, "published", False):
        from sfmbench.leaderboard.published import load_published
        published = load_published()
    result = build_leaderboard(frame, args.out, examples_dir=current_run_dir() / "predictions",
                               published=published)
    out.print(render_table(result.leaderboard))
    console.print(f"wrote {', '.join(str(p) for p in result.paths.values())}")
    return 0

"""Handlers of `tasks`, `models` and `suites` (list and show): what can be run."""
from __future__ import annotations

import argparse
import fnmatch
import json
from typing import Any

from rich import box
from rich.markup import escape
from rich.table import Table

from .budget import resolved_counts
from .catalog import METHODS, TASKS, create_task, task_names
from .commands_common import need_name, out
from .config import budget_names, group_entry, known_params, model_config, model_names, yaml_files
from .errors import SfmbenchError
from .extras import missing_extra
from .sorting import natural_sorted


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
    name = need_name(args, "task")
    task = create_task(name)
    info = {**task.spec.to_dict(), "parameters": task.params}
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
        "parameters": ", ".join(f"{k}={v}" for k, v in (task.params or {}).items()),
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
                              escape(_first_sentence(cfg.description or cls.summary())))
            except SfmbenchError as exc:
                table.add_row(escape(name), "?", "?", "?", "?", f"[red]{escape(exc.message)}[/]")
        out.print(table)
        _print_plugin_problems()
        return 0
    name = need_name(args, "model")
    cfg = model_config(name)
    cls = METHODS.get(cfg.method)
    entry = METHODS.entry(cfg.method)
    budgets = {b: cfg.resolved_params(b) for b in budget_names()}
    info = {"name": name, "method": cfg.method, "class": f"{cls.__module__}.{cls.__qualname__}",
            "class_from": entry.source if entry.source == "builtin" else f"plugin {entry.source}",
            "replaces_builtin": entry.replaces is not None,
            "kind": cls.kind, "tuned": cls.tuned,
            "problems": sorted(p.value for p in cls.problems), "domains": sorted(cls.domains),
            "description": cfg.description or cls.summary(),
            "config_file": cfg.source, "default_params": known_params(cls), "params": cfg.params,
            # name, type, default, value with the model YAML, doc of every Params field
            "parameters": _parameter_rows(cls, cfg),
            "budgets": budgets,
            # the work each budget buys (conf/budget/*.yaml, refined by the model YAML)
            "counts": {b: resolved_counts(cls, p) for b, p in budgets.items()}}
    if args.json:
        out.print_json(json.dumps(info, default=str))
        return 0
    extra = missing_extra(cfg.method)
    yaml_values = {row["name"]: row["value"] for row in info["parameters"]}
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
        "work per budget": "; ".join(f"{b}: " + (", ".join(f"{k}={v}" for k, v in c.items())
                                                 or "-") for b, c in info["counts"].items()),
        # what each budget changes against the model YAML's values
        "budgets": "; ".join(f"{b}: " + (", ".join(f"{k}={v}" for k, v in p.items()
                                                   if yaml_values.get(k) != v) or "-")
                             for b, p in info["budgets"].items()),
    }, f"`sfmbench models show {name} --json` for the full document")
    _print_parameters(info["parameters"], cls.Params.__name__)
    return 0


def _parameter_rows(cls: type, cfg: Any) -> list[dict[str, Any]]:
    """One row per Params field: its type, default, value with the model YAML, and doc."""
    from .params import describe, resolve_params

    klass = cls.Params
    values = resolve_params(klass, [("its model config", cfg.params)], cfg.name)
    return [{"name": i.name, "type": i.type, "default": i.default, "value": values[i.name],
             "doc": i.doc} for i in describe(klass)]


def _print_parameters(rows: list[dict[str, Any]], title: str) -> None:
    table = Table("parameter", "type", "default", "this model", "doc", box=box.SIMPLE,
                  title=f"parameters ({title}; budgets refine some, see above)",
                  title_justify="left")
    for row in rows:
        value = _short(row["value"])
        changed = row["value"] != row["default"]
        table.add_row(escape(row["name"]), escape(row["type"]), escape(_short(row["default"])),
                      f"[bold]{escape(value)}[/]" if changed else escape(value),
                      escape(row["doc"]))
    out.print(table)


def _short(value: Any, width: int = 40) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= width else text[:width - 3] + "..."


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
    name = need_name(args, "suite")
    entry = group_entry("suite", name)
    if args.json:
        out.print_json(json.dumps(entry, default=str))
        return 0
    _print_summary({"suite": name, **{k: (", ".join(map(str, v)) if isinstance(v, list) else v)
                                      for k, v in entry.items()}},
                   f"`sfmbench suites show {name} --json` for the full document")
    return 0

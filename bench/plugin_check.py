"""``sfmbench check-plugin``: the adapter contract, then an end-to-end run per problem type."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.markup import escape

from .catalog import METHODS, TASKS
from .config import make_job, model_config, split_prefixed
from .errors import SfmbenchError
from .method import contract_issues
from .results import STATUS_OK
from .runner import RunSettings, run_job
from .specs import ProblemType
from .store import Store

PASS, FAIL, WARN = "[green]PASS[/]", "[red]FAIL[/]", "[yellow]WARN[/]"


@dataclass
class CheckReport:
    """PASS/WARN/FAIL lines; ``ok`` is False only when a real contract check failed."""

    ok: bool = True
    lines: list[str] = field(default_factory=list)

    def add(self, ok: bool, what: str, detail: str = "", hint: str | None = None) -> None:
        self.ok &= ok
        self.lines.append(f"{PASS if ok else FAIL} {escape(what)}"
                          + (f": {escape(detail)}" if detail else ""))
        if hint and not ok:
            self.lines.append(f"     [yellow]hint:[/] {escape(hint)}")

    def warn(self, what: str, detail: str = "") -> None:
        self.lines.append(f"{WARN} {escape(what)}" + (f": {escape(detail)}" if detail else ""))


def tiny_task_for(problem: ProblemType, domains: frozenset[str]) -> str | None:
    """A small task of this problem type (registered with ``tiny=True``) in a claimed modality."""
    for name in TASKS.list():
        md = TASKS.metadata(name)
        modality = md.get("modality", md.get("domain"))
        if md.get("tiny") and md.get("problem") == problem.value and \
                (not domains or modality in domains):
            return name
    return None


def _check_params(report: CheckReport, cfg: Any, cls: type,
                  overrides: dict[str, Any] | None) -> bool:
    """The model YAML's params (and overrides) against the class's typed ``Params``."""
    from .params import describe, untyped

    try:
        cfg.resolved_params("smoke", split_prefixed(overrides or {}, "model"))
    except SfmbenchError as exc:
        report.add(False, "parameters", exc.message, exc.hint)
        return False
    klass = cls.Params
    report.add(True, "parameters", f"{len(describe(klass))} fields of {klass.__name__}; the "
                                   "model YAML's values have the declared types")
    if untyped(klass):
        report.warn("parameters", "derived from a `defaults` dict (untyped, no docs); declare "
                    "a Params dataclass with a type and doc per field (see docs/plugins.md)")
    return True


def check_plugin(name: str, overrides: dict[str, Any] | None = None) -> CheckReport:
    report = CheckReport()
    try:
        cfg = model_config(name)
        entry = METHODS.entry(cfg.method)
        cls = METHODS.get(cfg.method)
    except SfmbenchError as exc:
        report.add(False, f"load model {name!r}", exc.message, exc.hint)
        return report
    report.add(True, f"load model {name!r}", f"{cls.__module__}.{cls.__qualname__} "
                                             f"from {entry.source}")
    if cfg.source != "registry":
        report.add(True, "model config YAML", cfg.source)
    else:
        report.warn("model config YAML", "none found, the class defaults are used; to ship "
                    "settings add conf/model/<name>.yaml and declare its folder in the "
                    "`sfmbench.conf` entry-point group (see docs/plugins.md)")
    issues = contract_issues(cls, {**cfg.params, **split_prefixed(overrides or {}, "model")})
    report.add(not issues, "adapter contract", "; ".join(issues) or "complete",
               "see docs/plugins.md for the contract" if issues else None)
    if issues:
        return report
    if not _check_params(report, cfg, cls, overrides):
        return report
    with tempfile.TemporaryDirectory(prefix="sfmbench-check-") as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'check.db'}")
        settings = RunSettings(run_dir=Path(tmp), show_progress=False)
        for problem in sorted(cls.problems, key=lambda p: p.value):
            task = tiny_task_for(problem, cls.domains)
            if task is None:
                report.warn(f"{problem.value}: end-to-end run", "skipped: no tiny task of this "
                            "problem type (and modality) is registered in this installation")
                continue
            try:
                job = make_job(task, name, 0, "smoke", None,
                               split_prefixed(overrides or {}, "model"))
            except SfmbenchError as exc:
                report.add(False, f"{problem.value}: settings for {task}", exc.message, exc.hint)
                continue
            row = run_job(job, store, settings)
            if row.status == STATUS_OK:
                report.add(True, f"{problem.value}: end-to-end run on {task}",
                           f"{row.primary_metric}={row.primary_value:.4g} in "
                           f"{row.total_seconds:.1f}s")
            else:
                message, _, hint = (row.error or "").partition("\n  hint: ")
                report.add(False, f"{problem.value}: end-to-end run on {task}",
                           message.splitlines()[0] if message else "failed",
                           hint.splitlines()[0] if hint else None)
    return report

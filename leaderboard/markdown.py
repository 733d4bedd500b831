"""Markdown view of the leaderboard: summary, one table per task, and the column schema."""
from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping

import pandas as pd

from .aggregate import LEADERBOARD_COLUMNS
from .formatting import (MISSING, domain_summary, leaderboard_cells, model_order,
                         overview_cell, page_note, summary_cells, task_order)
from .summary import SUMMARY_COLUMNS

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#])")


def escape_md(value: object) -> str:
    """Text safe inside a Markdown table cell: no raw HTML, no markup, no cell breaks."""
    text = " ".join(str(value).split())          # newlines would end the table row
    text = html.escape(text, quote=False)        # &, <, > -> entities: no inline HTML
    return _MD_SPECIAL.sub(r"\\\1", text)         # |, *, _, `, [, ], #, \ -> literal


def escape_cell(value: object) -> str:
    """Light escaping for trusted text (schema docs): keeps `code`, breaks no table cell."""
    return " ".join(str(value).split()).replace("|", "\\|")


def md_table(records: Iterable[Mapping[str, str]],
             escape: Callable[[object], str] = escape_md) -> str:
    """A pipe table with one header row from the keys of the first record."""
    records = list(records)
    if not records:
        return "_(none)_\n"
    header = list(records[0])
    lines = ["| " + " | ".join(escape(h) for h in header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(escape(r[h]) for h in header) + " |" for r in records]
    return "\n".join(lines) + "\n"


def overview_records(board: pd.DataFrame) -> list[dict[str, str]]:
    """The overview as plain records: per task, each model's normalized score and mark."""
    models = model_order(board)
    cells = {(str(r["task"]), str(r["model"])): r for _, r in board.iterrows()}
    metric = {str(r["task"]): f"{r['metric']} {'↑' if r['direction'] == 'max' else '↓'}"
              for _, r in board.iterrows()}
    records = []
    for _, task in task_order(board):
        record = {"task": task, "metric": metric[task]}
        for model in models:
            norm, mark, raw, _ = overview_cell(cells.get((task, model)))
            record[model] = " ".join(x for x in (norm, mark) if x) if norm != MISSING \
                else (f"{raw} {mark}".strip() or MISSING)
        records.append(record)
    return records


def to_markdown(board: pd.DataFrame, summary: pd.DataFrame, *,
                title: str = "sfmbench leaderboard", confidence: float = 0.95,
                provenance: Mapping[str, str] | None = None,
                problems: list[dict[str, str]] | None = None,
                models: list[dict[str, str]] | None = None,
                deterministic: Iterable[str] = ()) -> str:
    """The whole page, in the HTML page's order; pastes into a GitHub README as it is."""
    parts = [f"# {escape_md(title)}\n"]
    if provenance:
        parts.append("\n".join(f"- **{escape_md(k)}:** {escape_md(v)}"
                               for k, v in provenance.items()) + "\n")
    parts += [f"Data: `leaderboard.csv`, `summary.csv`. {escape_md(page_note(confidence))}\n",
              "## Overview\n",
              "Normalized score per task (0 = naive reference, 1 = tuned reference baseline) "
              "and the verdict against the reference: ▲ win, = tie, ▼ loss, ● the reference "
              "itself; the metric's mean ± std where no normalized score is defined.\n",
              md_table(overview_records(board))]
    det = sorted(set(deterministic))
    if det:
        parts.append("Deterministic models run once per task (one value, no ±, n = 1): "
                     f"{escape_md(', '.join(det))}.\n")
    parts += ["## Per domain\n", md_table(domain_summary(board)),
              "## Foundation models vs. the tuned baseline\n",
              md_table(summary_cells(row) for _, row in summary.iterrows())]
    if models:
        parts += ["### Foundation models on this page\n", md_table(models)]
    for domain, task in task_order(board):
        group = board[board["task"] == task]
        first = group.iloc[0]
        reference = first["reference_baseline"] or "none"
        parts.append(f"## {escape_md(domain)} / {escape_md(task)}\n")
        parts.append(f"Metric: {escape_md(first['metric'])} "
                     f"({'higher' if first['direction'] == 'max' else 'lower'} is better); "
                     f"reference baseline: {escape_md(reference)}\n")
        parts.append(md_table(leaderboard_cells(row) for _, row in group.iterrows()))
    parts.append("## Failed or truncated jobs\n")
    parts.append(md_table(problems) if problems
                 else "None: every stored job finished its full budget.\n")
    parts.append("## Columns of leaderboard.csv\n")
    parts.append(md_table(({"column": k, "meaning": v} for k, v in LEADERBOARD_COLUMNS.items()),
                          escape_cell))
    parts.append("## Columns of summary.csv\n")
    parts.append(md_table(({"column": k, "meaning": v} for k, v in SUMMARY_COLUMNS.items()),
                          escape_cell))
    return "\n".join(parts)

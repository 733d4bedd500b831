"""Markdown view of the leaderboard: summary, one table per task, and the column schema."""
from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping

import pandas as pd

from .aggregate import LEADERBOARD_COLUMNS
from .formatting import leaderboard_cells, page_note, summary_cells
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


def to_markdown(board: pd.DataFrame, summary: pd.DataFrame, *,
                title: str = "sfmbench leaderboard", confidence: float = 0.95) -> str:
    """The whole page: per-domain FM summary, per-task tables, column definitions."""
    parts = [f"# {escape_md(title)}\n",
             f"Data: `leaderboard.csv`, `summary.csv`. {escape_md(page_note(confidence))}\n",
             "## Foundation models vs. best tuned baseline\n",
             md_table(summary_cells(row) for _, row in summary.iterrows())]
    for (domain, task), group in board.groupby(["domain", "task"], sort=False):
        first = group.iloc[0]
        reference = first["reference_baseline"] or "none"
        parts.append(f"## {escape_md(domain)} / {escape_md(task)}\n")
        parts.append(f"Metric: {escape_md(first['metric'])} ({escape_md(first['direction'])}); "
                     f"reference baseline: {escape_md(reference)}\n")
        parts.append(md_table(leaderboard_cells(row) for _, row in group.iterrows()))
    parts.append("## Columns of leaderboard.csv\n")
    parts.append(md_table(({"column": k, "meaning": v} for k, v in LEADERBOARD_COLUMNS.items()),
                          escape_cell))
    parts.append("## Columns of summary.csv\n")
    parts.append(md_table(({"column": k, "meaning": v} for k, v in SUMMARY_COLUMNS.items()),
                          escape_cell))
    return "\n".join(parts)

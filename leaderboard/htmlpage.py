"""Static, self-contained HTML view of the leaderboard; every value is HTML-escaped."""
from __future__ import annotations

import html
from collections.abc import Iterable, Mapping

import pandas as pd

from .aggregate import LEADERBOARD_COLUMNS
from .formatting import leaderboard_cells, page_note, summary_cells
from .summary import SUMMARY_COLUMNS

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
section.task { margin-bottom: 2em; }
img.plot { max-width: 100%; display: block; }
.note { color: #666; font-size: 0.9em; }
"""

_NUMERIC = {"rank", "mean ± std", "CI", "n", "Δ vs baseline", "params", "failed", "tasks",
            "W/T/L", "norm. score, mean [CI]", "norm. score, IQM [CI]", "P(FM beats baseline)",
            "Δ vs baseline [CI] verdict"}


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _cell(column: str, value: str) -> str:
    attrs = ' class="num"' if column in _NUMERIC else ""
    return f"<td{attrs}>{esc(value)}</td>"


def html_table(records: Iterable[Mapping[str, str]]) -> str:
    records = list(records)
    if not records:
        return '<p class="note">(none)</p>'
    header = list(records[0])
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(_cell(h, r[h]) for h in header) + "</tr>"
                   for r in records)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def to_html(board: pd.DataFrame, summary: pd.DataFrame, plots: dict[str, str] | None, *,
            title: str = "sfmbench leaderboard", confidence: float = 0.95) -> str:
    """The full page. ``plots`` maps task -> image data URI (None: matplotlib missing)."""
    body = [f"<h1>{esc(title)}</h1>",
            '<p class="note">Data: <a href="leaderboard.csv">leaderboard.csv</a>, '
            f'<a href="summary.csv">summary.csv</a>. {esc(page_note(confidence))}</p>']
    if plots is None:
        body.append('<p class="note">Plots skipped: matplotlib is not installed '
                    "(pip install 'sfmbench[plots]').</p>")
    body += ["<h2>Foundation models vs. best tuned baseline</h2>",
             html_table(summary_cells(row) for _, row in summary.iterrows())]
    for domain, domain_rows in board.groupby("domain", sort=False):
        body.append(f"<h2>{esc(domain or '(no domain)')}</h2>")
        for task, group in domain_rows.groupby("task", sort=False):
            first = group.iloc[0]
            body.append(f'<section class="task"><h3>{esc(task)}</h3>')
            body.append(f'<p class="note">Metric: {esc(first["metric"])} '
                        f'({esc(first["direction"])}); reference baseline: '
                        f'{esc(first["reference_baseline"] or "none")}</p>')
            body.append(html_table(leaderboard_cells(row) for _, row in group.iterrows()))
            if plots and task in plots:
                body.append(f'<img class="plot" alt="{esc(task)}: mean and bootstrap CI per method" '
                            f'src="{esc(plots[task])}">')
            body.append("</section>")
    body += ["<h2>Columns of leaderboard.csv</h2>",
             html_table({"column": k, "meaning": v} for k, v in LEADERBOARD_COLUMNS.items()),
             "<h2>Columns of summary.csv</h2>",
             html_table({"column": k, "meaning": v} for k, v in SUMMARY_COLUMNS.items())]
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{esc(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")

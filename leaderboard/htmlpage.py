"""Static, self-contained HTML page of the leaderboard; every value is HTML-escaped.

Order: provenance, the overview (tasks x models: normalized score and a win/tie/loss mark
against the tuned reference baseline), a per-domain summary, FMs vs. the tuned baseline, one
section per task (table and plot), failed or truncated jobs, and the column definitions. Every
table sorts by clicking a header (a few lines of inline script, no network); names never wrap.
"""
from __future__ import annotations

import html
from collections.abc import Iterable, Mapping

import pandas as pd

from .aggregate import LEADERBOARD_COLUMNS
from .formatting import (MARKS, MISSING, domain_summary, leaderboard_cells, model_order,
                         overview_cell, page_note, summary_cells, task_order)
from .plots import LEGEND
from .summary import SUMMARY_COLUMNS

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 80em; color: #222;
       padding: 0 1em; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; white-space: nowrap; }
td.text { white-space: normal; min-width: 20em; overflow-wrap: normal; word-break: normal; }
th { background: #f3f3f3; cursor: pointer; user-select: none; }
th[aria-sort=ascending]::after { content: " \\25B2"; font-size: 0.7em; }
th[aria-sort=descending]::after { content: " \\25BC"; font-size: 0.7em; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td .raw { color: #666; font-size: 0.85em; }
.win { color: #1a7f37; } .loss { color: #c62828; } .tie { color: #666; } .reference { color: #1f77b4; }
section.task { margin-bottom: 2em; }
img.plot { max-width: 100%; display: block; }
.note { color: #555; font-size: 0.9em; max-width: 60em; }
dl.prov { display: grid; grid-template-columns: max-content auto; gap: 0.1em 1em; font-size: 0.9em; }
dl.prov dt { font-weight: 600; } dl.prov dd { margin: 0; }
"""

#: click a header: sort that table's rows by the column (numbers by value, text naturally)
_SCRIPT = """
(function () {
  function key(td) {
    var v = td.getAttribute('data-sort');
    if (v === null) { v = td.textContent.trim(); }
    var n = Number(v);
    return (v !== '' && !isNaN(n)) ? n : v;
  }
  function compare(x, y) {
    var xn = typeof x === 'number', yn = typeof y === 'number';
    if (xn && yn) { return x - y; }
    if (xn !== yn) { return xn ? -1 : 1; }
    return String(x).localeCompare(String(y), undefined, {numeric: true});
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.title = 'sort by this column';
      th.addEventListener('click', function () {
        var up = th.getAttribute('aria-sort') !== 'ascending';
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', up ? 'ascending' : 'descending');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[col]), y = key(b.cells[col]);
          var missing = (x === '\\u2013') - (y === '\\u2013');
          if (missing) { return missing; }          /* missing values stay last */
          var c = compare(x, y);
          return up ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
})();
"""

_NUMERIC = {"rank", "mean ± std", "CI", "n", "Δ vs baseline", "params", "failed", "tasks",
            "W/T/L", "norm. score (FM)", "norm. score (baseline)", "P(FM beats baseline)",
            "Δ vs baseline [CI] verdict", "norm. score, mean [CI]", "norm. score, IQM [CI]",
            "mean norm. score", "W/T/L vs ref.", "seed"}
_TEXT = {"meaning", "reason", "description", "pretraining data"}


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _sort_key(column: str, value: str) -> str | None:
    """A numeric sort key for cells like '0.31 ± 0.02', '[0.1, 0.2]', '+0.05 [..] win'."""
    if column not in _NUMERIC or value in ("", MISSING):
        return None
    head = value.lstrip("[").split(" ")[0].split("/")[0].rstrip(",")
    try:
        return repr(float(head))
    except ValueError:
        return None


def _cell(column: str, value: str) -> str:
    classes = "num" if column in _NUMERIC else "text" if column in _TEXT else ""
    attrs = f' class="{classes}"' if classes else ""
    key = _sort_key(column, value)
    if key is not None:
        attrs += f' data-sort="{esc(key)}"'
    return f"<td{attrs}>{esc(value)}</td>"


def html_table(records: Iterable[Mapping[str, str]], *, table_id: str | None = None) -> str:
    records = list(records)
    if not records:
        return '<p class="note">(none)</p>'
    header = list(records[0])
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in header)
    body = "".join("<tr>" + "".join(_cell(h, r[h]) for h in header) + "</tr>"
                   for r in records)
    ident = f' id="{esc(table_id)}"' if table_id else ""
    return (f'<div class="scroll"><table class="sortable"{ident}><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def overview_table(board: pd.DataFrame) -> str:
    """Tasks x models: normalized score, win/tie/loss mark, raw mean; sortable."""
    models = model_order(board)
    cells = {(str(r["task"]), str(r["model"])): r for _, r in board.iterrows()}
    metric = {str(r["task"]): (str(r["metric"]), str(r["direction"]))
              for _, r in board.iterrows()}
    head = ('<th scope="col">domain</th><th scope="col">task</th><th scope="col">metric</th>'
            + "".join(f'<th scope="col">{esc(m)}</th>' for m in models))
    rows = []
    for domain, task in task_order(board):
        name, direction = metric[task]
        arrow = "↑" if direction == "max" else "↓"
        cols = [f"<td>{esc(domain)}</td>", f"<td>{esc(task)}</td>",
                f"<td>{esc(name)} {arrow}</td>"]
        for model in models:
            norm, mark, raw, key = overview_cell(cells.get((task, model)))
            verdict = next((v for v, (m, _) in MARKS.items() if m == mark and mark), "")
            sort = f' data-sort="{esc(key)}"' if key else ""
            title = f' title="{esc(MARKS[verdict][1])}"' if verdict else ""
            cols.append(f'<td class="num"{sort}>{esc(norm)} '
                        f'<span class="{esc(verdict)}"{title}>{esc(mark)}</span>'
                        f'<br><span class="raw">{esc(raw)}</span></td>')
        rows.append("<tr>" + "".join(cols) + "</tr>")
    return ('<div class="scroll"><table class="sortable" id="overview"><thead><tr>'
            f'{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>')


def _legend_html() -> str:
    return " ".join(f'<span style="color:{c}">●</span> {esc(label)}' for label, c in LEGEND)


def to_html(board: pd.DataFrame, summary: pd.DataFrame, plots: dict[str, str] | None, *,
            title: str = "sfmbench leaderboard", confidence: float = 0.95,
            provenance: Mapping[str, str] | None = None,
            problems: list[dict[str, str]] | None = None,
            models: list[dict[str, str]] | None = None,
            deterministic: Iterable[str] = ()) -> str:
    """The full page. ``plots`` maps task -> image data URI; ``provenance`` (label -> text),
    ``problems`` (failed/truncated jobs), ``models`` (FM notes) come from
    :func:`sfmbench.leaderboard.render.build_leaderboard`."""
    body = [f"<h1>{esc(title)}</h1>"]
    if provenance:
        body.append('<dl class="prov">' + "".join(
            f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in provenance.items()) + "</dl>")
    body.append('<p class="note">Data: <a href="leaderboard.csv">leaderboard.csv</a>, '
                f'<a href="summary.csv">summary.csv</a>. {esc(page_note(confidence))} '
                "Click a column header to sort.</p>")
    body += ["<h2>Overview</h2>",
             '<p class="note">Normalized score per task (0 = the naive reference, 1 = the tuned '
             "reference baseline; – where undefined) with the verdict against the reference: "
             "▲ win, = tie, ▼ loss, ● the reference itself; below it the mean ± std of the "
             "metric. Columns follow one legend order: " + _legend_html() + ".</p>",
             overview_table(board)]
    det = sorted(set(deterministic))
    if det:
        body.append('<p class="note">Deterministic models run once per task (their result '
                    "does not depend on the seed), so they show one value without ± and "
                    f"n = 1: {esc(', '.join(det))}.</p>")
    body += ["<h2>Per domain</h2>", html_table(domain_summary(board), table_id="domains"),
             "<h2>Foundation models vs. the tuned baseline</h2>",
             html_table((summary_cells(row) for _, row in summary.iterrows()),
                        table_id="summary")]
    if models:
        body += ["<h3>Foundation models on this page</h3>", html_table(models)]
    for domain, domain_rows in board.groupby("domain", sort=True):
        body.append(f"<h2>{esc(domain or '(no domain)')}</h2>")
        for _, task in [p for p in task_order(board) if p[0] == str(domain)]:
            group = domain_rows[domain_rows["task"] == task]
            first = group.iloc[0]
            body.append(f'<section class="task"><h3>{esc(task)}</h3>')
            body.append(f'<p class="note">Metric: {esc(first["metric"])} '
                        f'({"higher" if first["direction"] == "max" else "lower"} is better); '
                        "reference baseline: "
                        f'{esc(first["reference_baseline"] or "none")}</p>')
            body.append(html_table(leaderboard_cells(row) for _, row in group.iterrows()))
            if plots and task in plots:
                body.append(f'<img class="plot" alt="{esc(task)}: mean and CI per model" '
                            f'src="{esc(plots[task])}">')
            body.append("</section>")
    body += ["<h2>Failed or truncated jobs</h2>",
             html_table(problems or [], table_id="problems") if problems
             else '<p class="note">None: every stored job finished its full budget.</p>',
             "<h2>Columns of leaderboard.csv</h2>",
             html_table({"column": k, "meaning": v} for k, v in LEADERBOARD_COLUMNS.items()),
             "<h2>Columns of summary.csv</h2>",
             html_table({"column": k, "meaning": v} for k, v in SUMMARY_COLUMNS.items())]
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
            + "\n".join(body) + f"\n<script>{_SCRIPT}</script>\n</body>\n</html>\n")

"""Turn stored result rows into the published leaderboard files and the terminal table."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from rich import box
from rich.table import Table
from rich.text import Text

from sfmbench.errors import SfmbenchError

from .aggregate import LEADERBOARD_COLUMNS, aggregate
from .formatting import (MISSING, fmt_mean_std, fmt_signed, fmt_value, is_missing,
                         problem_rows, provenance, summary_cells, verdict_of)
from .htmlpage import to_html
from .inputs import with_model_column
from .markdown import to_markdown
from .plots import task_plots
from .summary import SUMMARY_COLUMNS, summarize

#: Float format of the CSVs: enough digits to cite, few enough to diff across platforms.
CSV_FLOAT_FORMAT = "%.10g"


@dataclass
class LeaderboardResult:
    """The frames behind a leaderboard and the files written from them."""

    leaderboard: pd.DataFrame
    summary: pd.DataFrame
    paths: dict[str, Path] = field(default_factory=dict)   # csv, summary_csv, markdown, html
    plots: bool = False                                      # whether the HTML embeds plots


def build_leaderboard(rows: pd.DataFrame, out_dir: Path | str, *, confidence: float = 0.95,
                      n_resamples: int = 2000, seed: int = 0,
                      title: str = "sfmbench leaderboard", examples_dir: Path | str | None = None,
                      published: pd.DataFrame | None = None) -> LeaderboardResult:
    """Aggregate ``rows`` (one per job, ResultRow columns) and write into ``out_dir``:
    ``leaderboard.csv``, ``summary.csv``, ``leaderboard.md`` and ``leaderboard.html``.

    Deterministic: the same rows, ``seed`` and ``n_resamples`` give byte-identical files.
    Raises SfmbenchError when there is no successful result.
    """
    rows = with_model_column(rows) if isinstance(rows, pd.DataFrame) else rows
    board = aggregate(rows, confidence=confidence, n_resamples=n_resamples, seed=seed,
                      examples_dir=examples_dir, published=published)
    board = without_empty_tasks(board)
    summary = summarize(rows, board, confidence=confidence, n_resamples=n_resamples, seed=seed)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SfmbenchError(f"cannot create the output folder {out}: {exc}",
                            hint="pass a writable --out directory") from exc
    plots = task_plots(board)
    paths = {"csv": out / "leaderboard.csv", "summary_csv": out / "summary.csv",
             "markdown": out / "leaderboard.md", "html": out / "leaderboard.html"}
    _write_text(paths["csv"], to_csv(board))
    _write_text(paths["summary_csv"], to_csv(summary))
    page = {"provenance": provenance(rows), "problems": problem_rows(rows),
            "models": fm_notes(board), "deterministic": deterministic_models(board)}
    _write_text(paths["markdown"], to_markdown(board, summary, title=title,
                                               confidence=confidence, **page))
    _write_text(paths["html"], to_html(board, summary, plots, title=title,
                                       confidence=confidence, **page))
    return LeaderboardResult(leaderboard=board, summary=summary, paths=paths,
                             plots=bool(plots))


def without_empty_tasks(board: pd.DataFrame) -> pd.DataFrame:
    """Drop tasks where no model has a successful row (their failures are listed apart)."""
    if not len(board):
        return board
    measured = board["kind"] != "published" if "kind" in board else True
    has_ok = (board["n"].where(measured, 0) > 0).groupby(board["task"]).transform("any")
    return board[has_ok].reset_index(drop=True)


def _method_class(name: str):  # -> type[Method] | None
    """The Method class behind a board's model name (``model`` or ``model[recipe]``), or None
    (a plugin that is not installed here)."""
    try:
        from sfmbench.catalog import METHODS
        from sfmbench.config import model_config
        return METHODS.get(model_config(name.split("[", 1)[0]).method)
    except Exception:  # noqa: BLE001 - the page renders without the note
        return None


def deterministic_models(board: pd.DataFrame) -> list[str]:
    """Models of the board that declare themselves deterministic (run once per task)."""
    return sorted(m for m in set(map(str, board["model"]))
                  if getattr(_method_class(m), "deterministic", False))


def fm_notes(board: pd.DataFrame) -> list[dict[str, str]]:
    """One line per FM on the page: what it is and what it was pretrained on."""
    notes = []
    for model, group in board[board["kind"] == "fm"].groupby("model", sort=True):
        description = ""
        try:
            from sfmbench.config import model_config
            description = " ".join(str(model_config(str(model)).description or "").split())
        except Exception:  # noqa: BLE001 - a plugin FM without a YAML here
            pass
        data = "; ".join(sorted({str(v) for v in group["pretraining_data"]
                                 if not is_missing(v) and str(v)}))
        notes.append({"model": str(model), "description": description or MISSING,
                      "pretraining data": data or MISSING})
    return notes


def to_csv(frame: pd.DataFrame) -> str:
    """CSV text with a fixed float format and Unix line endings; cells a spreadsheet would
    evaluate as formulas are neutralized (:mod:`sfmbench.leaderboard.safe_csv`)."""
    from .safe_csv import neutralize_frame
    return neutralize_frame(frame).to_csv(index=False, float_format=CSV_FLOAT_FORMAT,
                                          lineterminator="\n")


def _write_text(path: Path, text: str) -> None:
    """Write atomically (temporary file + rename): readers never see half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8", newline="")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def console_cells(row: pd.Series) -> dict[str, str]:
    """The terminal view of a leaderboard row: fits 100 columns with typical names."""
    arrow = "↑" if row["direction"] == "max" else "↓"
    verdict = verdict_of(row)
    return {"task": str(row["task"]), "metric": f"{row['metric']} {arrow}",
            "model": str(row["model"]),
            "kind": {"fm": "FM", "published": "paper"}.get(str(row["kind"]), "tuned" if bool(
                row["tuned"]) else "ref."),
            "mean ± std": fmt_mean_std(row["mean"], row["std"]),
            "n": fmt_value(row["n"]),
            "Δ vs ref.": fmt_signed(row["delta_vs_best_baseline"], 3),
            "verdict": {"reference": "ref."}.get(verdict, verdict)}


#: columns of the terminal table that never wrap (names are not split)
_NO_WRAP = {"task", "model", "metric", "kind", "n", "verdict"}


def render_table(frame: pd.DataFrame, *, title: str | None = None) -> Table:
    """A rich Table of a leaderboard or summary frame (any other frame: all its columns).

    Cells are ``rich.text.Text``, so names with square brackets are never read as markup.
    """
    columns = list(frame.columns)
    if columns == list(LEADERBOARD_COLUMNS):
        view = console_cells
    elif columns == list(SUMMARY_COLUMNS):
        view = summary_cells
    else:
        view = lambda row: {c: fmt_value(row[c]) for c in columns}  # noqa: E731
    records = [view(row) for _, row in frame.iterrows()]
    header = list(records[0]) if records else columns
    table = Table(title=title, box=box.SIMPLE_HEAD, padding=(0, 1), collapse_padding=True,
                  pad_edge=False, show_edge=False)
    for name in header:
        table.add_column(Text(name), overflow="fold", no_wrap=name in _NO_WRAP)
    previous_task = None
    for record in records:
        task = record.get("task")
        if "task" in header and previous_task is not None and task != previous_task:
            table.add_section()
        previous_task = task
        table.add_row(*(Text(record[name]) for name in header))
    return table

"""Leaderboard output: CSV cells cannot become formulas; plot labels are not mathtext."""
from __future__ import annotations

import io

import pandas as pd
import pytest

from sfmbench.leaderboard.render import to_csv
from sfmbench.leaderboard.safe_csv import neutralize, neutralize_frame


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\")", "+1+cmd|' /C calc'!A0",
                                  "@SUM(A1)", "-2+3", "\t=1", "\r=1"])
def test_formula_cells_are_neutralized(cell):
    assert neutralize(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["autoar", "-0.5", "1e-3", "+3", "", "ltsf/csv@a.csv:12ab"])
def test_plain_cells_are_kept(cell):
    assert neutralize(cell) == cell


def test_leaderboard_csv_writer_neutralizes_names_but_not_numbers():
    frame = pd.DataFrame({"task": ["=cmd"], "model": ["@evil"], "mean": [-0.25]})
    text = to_csv(frame)
    back = pd.read_csv(io.StringIO(text))
    assert back["task"][0] == "'=cmd" and back["model"][0] == "'@evil"
    assert back["mean"][0] == -0.25
    assert list(neutralize_frame(pd.DataFrame({"=x": [1]})).columns) == ["'=x"]


def test_dangerous_names_through_the_real_leaderboard(tmp_path):
    """Formula-like names are inert in both CSV files; $-names are plotted as plain text."""
    from sfmbench.leaderboard import build_leaderboard
    from sfmbench.leaderboard.plots import task_plots

    from .lb_rows import frame_from

    frame = frame_from({("$x^$", "dasha"): [0.5, 0.6], ("$x^$", "=evil()"): [0.7, 0.8],
                        ("$x^$", "$y^$"): [0.4, 0.5],
                        ("@task", "+cmd"): [0.1, 0.2], ("@task", "dasha"): [0.3, 0.2]})
    result = build_leaderboard(frame, tmp_path)
    assert result.plots
    board = pd.read_csv(result.paths["csv"])
    cells = set(board["task"]) | set(board["model"])
    assert {"'=evil()", "'+cmd", "'@task", "$x^$"} <= cells
    assert not [c for c in cells if c[0] in "=+@"]
    plots = task_plots(result.leaderboard)
    svg = __import__("base64").b64decode(plots["$x^$"].split(",", 1)[1]).decode() \
        if ";base64," in plots["$x^$"] else __import__("urllib.parse").parse.unquote(plots["$x^$"])
    assert "$y^$" in svg  # the name as text, not mathtext
    summary = result.paths["summary_csv"].read_text()
    assert "\n=" not in summary and ",=" not in summary and ",+" not in summary

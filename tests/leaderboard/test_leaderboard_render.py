"""Published files: CSV schema and determinism, Markdown/HTML escaping, plots, rich table."""
from __future__ import annotations

import base64
import io
import re
import sys

import pandas as pd
import pytest
from rich.console import Console

from sfmbench.errors import SfmbenchError
from sfmbench.leaderboard import (LEADERBOARD_COLUMNS, SUMMARY_COLUMNS, LeaderboardResult,
                                  build_leaderboard, render_table)

from .lb_rows import frame_from, make_row

EVIL = "<script>alert('x')</script>"
PIPED = "my|fm"


def sample_rows() -> pd.DataFrame:
    return frame_from(
        {("gue/prom", "dasha"): [0.61, 0.63, 0.60], ("gue/prom", "linear"): [0.4, 0.42],
         ("gue/prom", "dnabert2"): [0.65, 0.66, 0.64],
         ("ltsf/ETTh1-96", "autoar"): [0.40, 0.41], ("ltsf/ETTh1-96", "chronos"): [0.43, 0.44]},
        make_row("gue/prom", "dnabert2", 9, None, status="failed", error="OOM"))


def with_names(frame: pd.DataFrame, mapping: dict[str, str]) -> pd.DataFrame:
    return frame.assign(model=frame["model"].replace(mapping))


def test_build_writes_all_files_with_the_schema(tmp_path):
    result = build_leaderboard(sample_rows(), tmp_path / "out", n_resamples=500)
    assert isinstance(result, LeaderboardResult)
    assert {p.name for p in result.paths.values()} == {
        "leaderboard.csv", "summary.csv", "leaderboard.md", "leaderboard.html"}
    assert all(p.is_file() and p.parent == tmp_path / "out" for p in result.paths.values())
    board = pd.read_csv(result.paths["csv"], keep_default_na=False, na_values=[""])
    assert list(board.columns) == list(LEADERBOARD_COLUMNS)
    assert list(pd.read_csv(result.paths["summary_csv"]).columns) == list(SUMMARY_COLUMNS)
    assert board[["task", "model"]].values.tolist() == \
        result.leaderboard[["task", "model"]].values.tolist()
    pd.testing.assert_series_equal(board["mean"], result.leaderboard["mean"], rtol=1e-9)
    assert board.loc[board["model"] == "dnabert2", "n_failed"].item() == 1
    assert not list(tmp_path.joinpath("out").glob(".*.tmp"))       # no leftovers


def test_same_input_gives_byte_identical_files(tmp_path):
    rows = sample_rows()
    first = build_leaderboard(rows, tmp_path / "a", n_resamples=500)
    second = build_leaderboard(rows.sample(frac=1.0, random_state=0), tmp_path / "b",
                               n_resamples=500)
    for key, path in first.paths.items():
        assert path.read_bytes() == second.paths[key].read_bytes(), key


def test_html_escapes_every_value(tmp_path):
    rows = with_names(sample_rows(), {"dnabert2": EVIL, "chronos": PIPED})
    rows.loc[rows["task"] == "gue/prom", "task"] = "gue/<b>prom</b>"
    result = build_leaderboard(rows, tmp_path, n_resamples=200, title="<i>mine</i>")
    page = result.paths["html"].read_text(encoding="utf-8")
    # the page's own sorting script is the only script; no value became markup
    assert page.lower().count("<script") == 1 and "alert(" not in page.split("<script>")[1]
    assert "<b>prom" not in page and "<i>mine" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "gue/&lt;b&gt;prom&lt;/b&gt;" in page
    assert result.plots and page.count('<img class="plot"') == 2
    assert re.search(r'src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"', page)


def test_markdown_escapes_pipes_and_html(tmp_path):
    rows = with_names(sample_rows(), {"dnabert2": EVIL, "chronos": PIPED})
    text = build_leaderboard(rows, tmp_path, n_resamples=200).paths["markdown"].read_text(
        encoding="utf-8")
    assert "<script" not in text
    assert "my\\|fm" in text
    tables = [line for line in text.splitlines() if line.startswith("| ")]
    width = None
    for line in text.splitlines():            # every row has as many cells as its header
        if not line.startswith("|"):
            width = None
            continue
        cells = len(re.split(r"(?<!\\)\|", line))
        width = width or cells
        assert cells == width, line
    assert any("my\\|fm" in line for line in tables)


def test_plots_do_not_need_matplotlib(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)     # `import matplotlib` now fails
    result = build_leaderboard(sample_rows(), tmp_path, n_resamples=200)
    page = result.paths["html"].read_text(encoding="utf-8")
    assert result.plots and page.count('<img class="plot"') == 2
    svg = base64.b64decode(re.search(r'base64,([A-Za-z0-9+/=]+)"', page).group(1)).decode()
    assert svg.startswith("<svg") and "dnabert2" in svg and "higher is better" in svg
    # one legend order: tuned baseline before simple baseline before foundation model
    assert svg.index("tuned baseline") < svg.index("simple baseline") < \
        svg.index("foundation model")


def test_page_has_provenance_overview_and_failures(tmp_path):
    result = build_leaderboard(sample_rows(), tmp_path, n_resamples=200)
    page = result.paths["html"].read_text(encoding="utf-8")
    assert page.index("<dl class=\"prov\">") < page.index('id="overview"')
    assert "budget" in page and "stored jobs" in page and "git revision" in page
    overview = page.split('id="overview"')[1].split("</table>")[0]
    assert overview.count("<tr>") == 3                      # header + 2 tasks
    assert "dasha" in overview and "dnabert2" in overview
    failed = page.split("Failed or truncated jobs")[1]
    assert "OOM" in failed.split("</table>")[0]
    text = result.paths["markdown"].read_text(encoding="utf-8")
    assert text.index("## Overview") < text.index("## Per domain") < \
        text.index("## Failed or truncated jobs")


def test_tasks_without_a_successful_row_are_left_out(tmp_path):
    rows = pd.concat([sample_rows(), frame_from({}, make_row("gue/broken", "dasha", 0, None,
                                                              status="failed", error="bad"))])
    result = build_leaderboard(rows, tmp_path, n_resamples=200)
    assert "gue/broken" not in set(result.leaderboard["task"])
    page = result.paths["html"].read_text(encoding="utf-8")
    assert "gue/broken" in page.split("Failed or truncated jobs")[1]


def test_console_table_fits_100_columns():
    result_board = build_leaderboard(sample_rows(), "/tmp/sfmbench-test-console",
                                     n_resamples=200).leaderboard
    buffer = io.StringIO()
    Console(file=buffer, width=100, color_system=None).print(render_table(result_board))
    lines = buffer.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 100
    assert any("ltsf/ETTh1-96" in line for line in lines)      # names are never split
    assert any("mse ↓" in line or "mcc ↑" in line for line in lines)


def test_empty_rows_raise_with_how_to_get_results(tmp_path):
    with pytest.raises(SfmbenchError, match="no successful results") as info:
        build_leaderboard(pd.DataFrame(), tmp_path / "out")
    assert "sfmbench sweep" in str(info.value)
    assert not (tmp_path / "out").exists()


def test_unwritable_output_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(SfmbenchError, match="cannot create the output folder"):
        build_leaderboard(sample_rows(), blocker / "out", n_resamples=100)


def print_table(table) -> str:
    console = Console(file=io.StringIO(), width=250, record=True)
    console.print(table)
    return console.export_text()


def test_render_table_shows_rows_without_reading_markup(tmp_path):
    rows = with_names(sample_rows(), {"chronos": "[bold]fm[/bold]"})
    result = build_leaderboard(rows, tmp_path, n_resamples=100)
    table = render_table(result.leaderboard, title="Leaderboard")
    assert table.row_count == len(result.leaderboard)
    text = print_table(table)
    assert "[bold]fm[/bold]" in text and "dasha" in text and "tuned" in text
    summary = render_table(result.summary)
    assert summary.row_count == len(result.summary) == 2
    assert "W/T/L" in print_table(summary)
    other = render_table(pd.DataFrame({"a": [1, 2], "b": [0.5, None]}))
    assert other.row_count == 2 and "–" in print_table(other)


def test_render_table_of_an_empty_frame_keeps_the_header():
    table = render_table(pd.DataFrame(columns=list(SUMMARY_COLUMNS)))
    assert table.row_count == 0 and len(table.columns) == len(SUMMARY_COLUMNS)

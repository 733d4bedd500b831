"""The README documents every leaderboard column and names both quick-start commands."""
from __future__ import annotations

from pathlib import Path

from sfmbench.leaderboard import LEADERBOARD_COLUMNS, SUMMARY_COLUMNS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_readme_documents_leaderboard_schema() -> None:
    for name in [*LEADERBOARD_COLUMNS, *SUMMARY_COLUMNS]:
        assert f"| `{name}` |" in README, name


def test_readme_quick_start_commands() -> None:
    head = README[:2500]
    assert "pip install -e . && sfmbench demo" in head and "bash .ci/run" in head

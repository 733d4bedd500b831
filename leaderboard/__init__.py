"""Leaderboard: aggregation, statistics, CSV/Markdown/HTML rendering and plots.

``build_leaderboard(rows, out_dir)`` is the one-call entry point behind
``sfmbench leaderboard --out DIR``; ``LEADERBOARD_COLUMNS``/``SUMMARY_COLUMNS`` document the
published schemas.
"""
from __future__ import annotations

from .aggregate import LEADERBOARD_COLUMNS, aggregate
from .render import LeaderboardResult, build_leaderboard, render_table, to_csv
from .summary import SUMMARY_COLUMNS, summarize

__all__ = ["LEADERBOARD_COLUMNS", "LeaderboardResult", "SUMMARY_COLUMNS", "aggregate",
           "build_leaderboard", "render_table", "summarize", "to_csv"]

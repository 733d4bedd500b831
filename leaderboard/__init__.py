"""Leaderboard: aggregation, statistics, CSV/Markdown/HTML rendering and plots."""

"""Per-domain summary: how each foundation model fares against the best tuned baseline.

For every task where an FM has results, the comparison is against that task's reference
baseline (the best tuned baseline; the best baseline of any kind where no tuned one exists,
see ``reference_baseline`` in the leaderboard). Seeds are resampled with the seeded bootstrap
of ``stats``; a task is a **win** when P(FM better) > ``win_threshold`` (0.95), a **loss** when
it is < 1 - ``win_threshold`` (0.05), otherwise a **tie**. With one seed on both sides the
bootstrap has no spread, so the point estimates decide (a strict win/loss, or a tie if equal).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sfmbench.errors import ConfigError

from .aggregate import aggregate
from .inputs import prepare_rows
from .stats import (better_indicator, bootstrap_means, check_bootstrap_args,
                    percentile_interval, rng_for)

#: The summary schema, in column order: name -> meaning.
SUMMARY_COLUMNS: dict[str, str] = {
    "domain": "Task domain.",
    "method": "Foundation model (kind `fm`).",
    "n_tasks": "Tasks of the domain where the FM and a reference baseline both have results.",
    "wins": "Tasks where the bootstrap P(FM better than the reference baseline) > 0.95.",
    "ties": "Tasks where that probability is between 0.05 and 0.95 (inclusive).",
    "losses": "Tasks where that probability is < 0.05.",
    "mean_normalized_score": "Mean over those tasks of the FM's min-max normalized score: per "
                             "task 1 = best method mean, 0 = worst (direction-aware; 1 if "
                             "all methods are equal).",
    "baseline_mean_normalized_score": "The same average for the reference baselines of "
                                      "those tasks.",
    "p_beats_baseline": "Probability that the FM beats the reference baseline on a task, "
                        "from a stratified bootstrap: tasks resampled with replacement, seeds "
                        "resampled within each task (ties count one half).",
    "p_beats_ci_low": "Lower end of the (default 95%) percentile CI of `p_beats_baseline`.",
    "p_beats_ci_high": "Upper end of the same CI of `p_beats_baseline`.",
    "untuned_references": "Tasks whose reference baseline is an untuned fallback.",
}


def summarize(rows: pd.DataFrame, leaderboard: pd.DataFrame | None = None, *,
              confidence: float = 0.95, n_resamples: int = 2000, seed: int = 0,
              win_threshold: float = 0.95) -> pd.DataFrame:
    """One row per (domain, FM) with columns ``SUMMARY_COLUMNS``, ordered by domain, method.

    ``leaderboard`` is the output of ``aggregate(rows)``; it is computed when not given.
    """
    check_bootstrap_args(confidence, n_resamples, seed)
    if not 0.5 < win_threshold < 1.0:
        raise ConfigError(f"win_threshold must be between 0.5 and 1, got {win_threshold!r}",
                          hint="use e.g. 0.95 (a win needs P(FM better) > 0.95)")
    frame = prepare_rows(rows)
    board = aggregate(rows, confidence=confidence, n_resamples=n_resamples, seed=seed) \
        if leaderboard is None else leaderboard
    usable = frame[frame["usable"]]
    values = {key: group["primary_value"].to_numpy(dtype=float)
              for key, group in usable.groupby(["task", "method"])}
    board = board.assign(normalized=_normalized_scores(board))
    fms = board[(board["kind"] == "fm") & (board["n"] > 0)]
    records = [_fm_record(domain, method, group, board, values, confidence, n_resamples, seed,
                          win_threshold)
               for (domain, method), group in fms.groupby(["domain", "method"], sort=True)]
    summary = pd.DataFrame.from_records(records, columns=list(SUMMARY_COLUMNS))
    for column in ("n_tasks", "wins", "ties", "losses", "untuned_references"):
        summary[column] = summary[column].astype(int)
    return summary


def _normalized_scores(board: pd.DataFrame) -> pd.Series:
    """Per task min-max normalization of method means: 1 = best, 0 = worst (direction-aware)."""
    score = board["mean"].where(board["direction"] == "max", -board["mean"])
    by_task = score.groupby(board["task"])
    low, high = by_task.transform("min"), by_task.transform("max")
    spread = high - low
    normalized = (score - low) / spread.where(spread > 0)
    return normalized.where(spread > 0, 1.0).where(score.notna())


def _fm_record(domain: str, method: str, fm_rows: pd.DataFrame, board: pd.DataFrame,
               values: dict, confidence: float, n_resamples: int, seed: int,
               win_threshold: float) -> dict:
    compared = fm_rows[fm_rows["reference_baseline"] != ""]
    better = []          # per task: (n_resamples,) indicator that the FM replicate is better
    ref_scores = []
    for _, row in compared.iterrows():
        task, ref = row["task"], row["reference_baseline"]
        fm_boot = bootstrap_means(values[(task, method)], n_resamples,
                                  rng_for(seed, "summary", task, method))
        ref_boot = bootstrap_means(values[(task, ref)], n_resamples,
                                   rng_for(seed, "summary", task, ref))
        better.append(better_indicator(fm_boot, ref_boot, row["direction"] == "max"))
        ref_row = board[(board["task"] == task) & (board["method"] == ref)].iloc[0]
        ref_scores.append(ref_row["normalized"])
    p_task = np.array([b.mean() for b in better])
    p_beats, ci = _stratified(np.array(better), confidence,
                              rng_for(seed, "summary-tasks", domain, method))
    return {
        "domain": domain, "method": method, "n_tasks": len(compared),
        "wins": int((p_task > win_threshold).sum()),
        "ties": int(((p_task >= 1 - win_threshold) & (p_task <= win_threshold)).sum()),
        "losses": int((p_task < 1 - win_threshold).sum()),
        "mean_normalized_score": _mean(compared["normalized"]),
        "baseline_mean_normalized_score": _mean(pd.Series(ref_scores, dtype=float)),
        "p_beats_baseline": p_beats, "p_beats_ci_low": ci[0], "p_beats_ci_high": ci[1],
        "untuned_references": int((compared["reference_is_tuned"] == False).sum()),  # noqa: E712
    }


def _stratified(better: np.ndarray, confidence: float,
                rng: np.random.Generator) -> tuple[float, tuple[float, float]]:
    """Mean over resampled tasks of the seed-bootstrap indicators, and its percentile CI."""
    if better.size == 0:
        return math.nan, (math.nan, math.nan)
    n_tasks, n_resamples = better.shape
    tasks = rng.integers(0, n_tasks, size=(n_resamples, n_tasks))
    per_replicate = better[tasks, np.arange(n_resamples)[:, None]].mean(axis=1)
    return float(per_replicate.mean()), percentile_interval(per_replicate, confidence)


def _mean(values: pd.Series) -> float:
    values = values.dropna()
    return float(values.mean()) if len(values) else math.nan

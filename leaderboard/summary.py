"""Per-domain summary: how each foundation model fares against the tuned baseline of each task.

Everything comes from the leaderboard's paired bootstrap (test examples resampled, seeds
resampled within each replicate; see :mod:`.aggregate`): a task is a **win** when the CI of the
FM's delta to the task's reference baseline lies above zero, a **loss** when below, else a
**tie**. The normalized score of a task is 0 at the task's naive reference (an untuned
baseline) and 1 at the reference (tuned) baseline; per domain its mean and interquartile mean
(IQM) over tasks get a stratified bootstrap CI (each task's replicates come from resampling
that task's own examples and seeds; the tasks are kept).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .aggregate import Replicates, aggregate
from .stats import better_indicator, check_bootstrap_args, iqm, percentile_interval

#: The summary schema, in column order: name -> meaning.
SUMMARY_COLUMNS: dict[str, str] = {
    "domain": "Task domain.",
    "model": "Foundation model (kind `fm`).",
    "n_tasks": "Tasks of the domain where the FM and a reference baseline both have results.",
    "wins": "Tasks whose `verdict` is `win`: the CI of the paired delta to the reference "
            "baseline lies above 0.",
    "ties": "Tasks whose delta CI contains 0.",
    "losses": "Tasks whose delta CI lies below 0.",
    "n_normalized": "Tasks that also have a naive reference (an untuned baseline that differs "
                    "from the reference), i.e. a defined `normalized_score`.",
    "mean_normalized_score": "Mean over those tasks of the FM's normalized score (0 = the "
                             "task's naive reference, 1 = its reference tuned baseline).",
    "mean_normalized_ci_low": "Lower end of the stratified bootstrap CI of that mean: per "
                              "replicate, each task's score from its own resampled examples "
                              "and seeds, then the mean over the tasks.",
    "mean_normalized_ci_high": "Upper end of the same CI.",
    "iqm_normalized_score": "Interquartile mean (25% trimmed mean) over the same tasks of the "
                            "normalized score.",
    "iqm_normalized_ci_low": "Lower end of the stratified bootstrap CI of the IQM.",
    "iqm_normalized_ci_high": "Upper end of the same CI.",
    "p_beats_baseline": "Mean over the tasks of P(FM beats the reference baseline), each "
                        "from the task's paired bootstrap replicates (ties count one half).",
    "p_beats_ci_low": "Lower end of the stratified bootstrap CI of `p_beats_baseline` "
                      "(per replicate, the fraction of tasks the FM wins).",
    "p_beats_ci_high": "Upper end of the same CI.",
    "untuned_references": "Tasks whose reference baseline is an untuned fallback.",
}


def summarize(rows: pd.DataFrame, leaderboard: pd.DataFrame | None = None, *,
              confidence: float = 0.95, n_resamples: int = 2000, seed: int = 0,
              examples_dir=None) -> pd.DataFrame:
    """One row per (domain, FM) with columns ``SUMMARY_COLUMNS``, ordered by domain, model.

    ``leaderboard`` is the output of ``aggregate(rows)``; it is computed when not given (or when
    it lacks its bootstrap replicates).
    """
    check_bootstrap_args(confidence, n_resamples, seed)
    board = leaderboard
    if board is None or not isinstance(board.attrs.get("replicates"), Replicates):
        board = aggregate(rows, confidence=confidence, n_resamples=n_resamples, seed=seed,
                          examples_dir=examples_dir)
    replicates: Replicates = board.attrs["replicates"]
    fms = board[(board["kind"] == "fm") & (board["n"] > 0)]
    records = [_fm_record(domain, model, group, board, replicates, confidence)
               for (domain, model), group in fms.groupby(["domain", "model"], sort=True)]
    summary = pd.DataFrame.from_records(records, columns=list(SUMMARY_COLUMNS))
    for column in ("n_tasks", "wins", "ties", "losses", "n_normalized", "untuned_references"):
        summary[column] = summary[column].astype(int)
    return summary


def _fm_record(domain: str, model: str, fm_rows: pd.DataFrame, board: pd.DataFrame,
               replicates: Replicates, confidence: float) -> dict:
    compared = fm_rows[fm_rows["reference_baseline"] != ""]
    better, normalized, point = [], [], []
    for _, row in compared.iterrows():
        task = row["task"]
        mine = replicates.scores[(task, model)]
        ref = replicates.scores[(task, row["reference_baseline"])]
        better.append(better_indicator(mine, ref, True))
        if row["naive_reference"] and not math.isnan(row["normalized_score"]):
            naive = replicates.scores[(task, row["naive_reference"])]
            with np.errstate(invalid="ignore", divide="ignore"):
                normalized.append((mine - naive) / (ref - naive))
            point.append(row["normalized_score"])
    verdicts = compared["verdict"]
    mean_ci = iqm_ci = (math.nan, math.nan)
    if normalized:
        stack = np.array(normalized)                       # (tasks, B)
        finite = np.isfinite(stack).all(axis=0)
        if finite.any():
            mean_ci = percentile_interval(stack[:, finite].mean(axis=0), confidence)
            iqm_ci = percentile_interval(iqm(stack[:, finite], axis=0), confidence)
    if better:
        per_replicate = np.array(better).mean(axis=0)
        p_beats = float(np.mean([b.mean() for b in better]))
        p_ci = percentile_interval(per_replicate, confidence)
    else:
        p_beats, p_ci = math.nan, (math.nan, math.nan)
    return {
        "domain": domain, "model": model, "n_tasks": len(compared),
        "wins": int((verdicts == "win").sum()), "ties": int((verdicts == "tie").sum()),
        "losses": int((verdicts == "loss").sum()), "n_normalized": len(point),
        "mean_normalized_score": float(np.mean(point)) if point else math.nan,
        "mean_normalized_ci_low": mean_ci[0], "mean_normalized_ci_high": mean_ci[1],
        "iqm_normalized_score": float(iqm(np.array(point))) if point else math.nan,
        "iqm_normalized_ci_low": iqm_ci[0], "iqm_normalized_ci_high": iqm_ci[1],
        "p_beats_baseline": p_beats, "p_beats_ci_low": p_ci[0], "p_beats_ci_high": p_ci[1],
        "untuned_references": int((compared["reference_is_tuned"] == False).sum()),  # noqa: E712
    }

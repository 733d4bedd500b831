"""One leaderboard row per (task, method): seed statistics, rank, gap to the tuned baseline."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .inputs import prepare_rows
from .stats import check_bootstrap_args, mean_ci, rng_for

#: The leaderboard schema, in column order: name -> meaning. Stable; diff and cite against it.
LEADERBOARD_COLUMNS: dict[str, str] = {
    "domain": "Task domain (genomics, satellite, timeseries, ...).",
    "task": "Task name as registered (e.g. `ltsf/ETTh1-96`).",
    "metric": "The task's primary test metric, computed by the harness from saved predictions.",
    "direction": "`max` if higher metric values are better, `min` if lower are better.",
    "method": "Model name as given to `sfmbench run` (YAML or registry name).",
    "kind": "`baseline` (supervised, trained on the task only) or `fm` (foundation model).",
    "tuned": "True for tuned baselines (e.g. autoar, dasha), False for simple references.",
    "mean": "Mean of the primary metric over successful seeds.",
    "std": "Sample standard deviation (ddof=1) over seeds; empty (NaN) when n < 2.",
    "n": "Number of successful seeds behind `mean`.",
    "ci_low": "Lower end of the percentile-bootstrap CI (default 95%) of the mean over "
              "seeds, seeded and deterministic; equals `mean` when n = 1 (no spread).",
    "ci_high": "Upper end of the same CI; equals `mean` when n = 1.",
    "rank": "Rank of `mean` on the task, 1 = best (direction-aware); ties share the lowest "
            "rank; empty when the method has no successful seed.",
    "delta_vs_best_baseline": "`mean` minus the reference baseline's mean, signed so that a "
                              "positive value is better than the baseline; empty without one.",
    "val_mean": "Mean over seeds of the best validation score of the primary metric the "
                "method reported (its own model selection); empty if not reported.",
    "reference_baseline": "The reference of `delta_vs_best_baseline`: the tuned baseline with "
                          "the best validation score (`val_mean`) on the task (the best test "
                          "mean only when a candidate reports no validation score), or the "
                          "best baseline of any kind if none is tuned.",
    "reference_selected_by": "`validation` or `test`: which score picked `reference_baseline`.",
    "reference_is_tuned": "True if `reference_baseline` is a tuned baseline, False if it is "
                          "the untuned fallback; empty without any baseline.",
    "cpu_hours": "Sum of total job wall time (s) / 3600 over successful jobs that ran on CPU.",
    "gpu_hours": "Sum of total job wall time (s) / 3600 over successful jobs that ran on an "
                 "accelerator (device other than `cpu`).",
    "params_total": "Total parameter count (largest over seeds); empty if not reported.",
    "params_trainable": "Trainable parameter count (largest over seeds); empty if not reported.",
    "pretraining_data": "Pretraining data size/description as reported (`;`-joined if several).",
    "n_failed": "Failed jobs (or jobs without a finite metric) that have no successful rerun.",
    "config_hashes": "Sorted, `;`-joined config hashes of the successful jobs behind the row.",
}


#: Row columns a (task, method) record is computed from.
_RECORD_INPUTS = ("usable", "primary_value", "best_val_metric", "total_seconds", "device", "seed", "config_hash",
                  "kind", "tuned", "params_total", "params_trainable", "pretraining_data")


def aggregate(rows: pd.DataFrame, *, confidence: float = 0.95, n_resamples: int = 2000,
              seed: int = 0) -> pd.DataFrame:
    """The leaderboard frame (columns ``LEADERBOARD_COLUMNS``) from stored result rows.

    Only successful rows (status ``ok``, finite primary value) enter the statistics; a
    (task, method) pair whose jobs all failed still gets a row, with ``n`` = 0 and empty
    statistics, so failures stay visible. Rows are ordered by (domain, task, rank, method).
    """
    check_bootstrap_args(confidence, n_resamples, seed)
    frame = prepare_rows(rows)
    task_info = _task_info(frame)
    columns = {c: frame[c].to_numpy() for c in _RECORD_INPUTS}
    groups = sorted(frame.groupby(["task", "method"]).indices.items())
    records = [_pair_record(task, method, {c: a[idx] for c, a in columns.items()},
                            task_info.loc[task], confidence, n_resamples, seed)
               for (task, method), idx in groups]
    board = pd.DataFrame.from_records(records)
    board = _add_ranks(board)
    board = _add_reference(board)
    board = board.sort_values(["domain", "task", "rank", "method"], na_position="last",
                              kind="mergesort").reset_index(drop=True)
    return _typed(board[list(LEADERBOARD_COLUMNS)])


def _task_info(frame: pd.DataFrame) -> pd.DataFrame:
    """Domain, metric and direction per task, preferring values from successful rows."""
    ordered = frame.sort_values("usable", ascending=False, kind="mergesort")
    info = ordered.groupby("task").agg(domain=("domain", _first_nonempty),
                                       metric=("primary_metric", _first_nonempty),
                                       higher_is_better=("higher_is_better", "first"))
    info["direction"] = np.where(info["higher_is_better"], "max", "min")
    return info


def _first_nonempty(values: pd.Series) -> str:
    nonempty = [v for v in values if v]
    return nonempty[0] if nonempty else ""


def _pair_record(task: str, method: str, group: dict[str, np.ndarray], info: pd.Series,
                 confidence: float, n_resamples: int, seed: int) -> dict:
    """One leaderboard record from the columns (as arrays) of one (task, method) group."""
    ok = group["usable"]
    values = group["primary_value"][ok].astype(float)
    n = int(values.size)
    mean = float(values.mean()) if n else math.nan
    std = float(values.std(ddof=1)) if n > 1 else math.nan
    ci_low, ci_high = (mean_ci(values, confidence, n_resamples, rng_for(seed, task, method))
                       if n else (math.nan, math.nan))
    seconds = np.nan_to_num(group["total_seconds"][ok].astype(float))
    on_cpu = np.isin(np.char.lower(group["device"][ok].astype(str)), ["cpu", ""])
    ok_jobs = set(zip(group["seed"][ok], group["config_hash"][ok]))
    n_failed = sum((s, h) not in ok_jobs
                   for s, h in zip(group["seed"][~ok], group["config_hash"][~ok]))
    return {
        "domain": info["domain"], "task": task, "metric": info["metric"],
        "direction": info["direction"], "method": method,
        "kind": _first_nonempty(group["kind"]), "tuned": bool(group["tuned"].any()),
        "mean": mean, "std": std, "n": n, "ci_low": ci_low, "ci_high": ci_high,
        "val_mean": _nanmean(group["best_val_metric"][ok]),
        "cpu_hours": float(seconds[on_cpu].sum()) / 3600.0,
        "gpu_hours": float(seconds[~on_cpu].sum()) / 3600.0,
        "params_total": _max_int(group["params_total"][ok]),
        "params_trainable": _max_int(group["params_trainable"][ok]),
        "pretraining_data": ";".join(sorted({str(v) for v in group["pretraining_data"][ok]
                                             if v is not None and not pd.isna(v) and str(v)})),
        "n_failed": int(n_failed),
        "config_hashes": ";".join(sorted({h for h in group["config_hash"][ok] if h})),
    }


def _max_int(values: np.ndarray) -> float:
    numeric = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").dropna()
    return float(numeric.max()) if len(numeric) else math.nan


def _nanmean(values: np.ndarray) -> float:
    numeric = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").dropna()
    return float(numeric.mean()) if len(numeric) else math.nan


def _signed(board: pd.DataFrame, column: str = "mean") -> pd.Series:
    """A column turned into 'higher is better' scores using each row's direction."""
    return board[column].where(board["direction"] == "max", -board[column])


def _add_ranks(board: pd.DataFrame) -> pd.DataFrame:
    board = board.copy()
    board["rank"] = _signed(board).groupby(board["task"]).rank(method="min", ascending=False)
    return board


def _add_reference(board: pd.DataFrame) -> pd.DataFrame:
    """Fill reference_baseline, reference_is_tuned and delta_vs_best_baseline per task."""
    board = board.copy()
    score = _signed(board)
    board["reference_baseline"] = ""
    board["reference_is_tuned"] = pd.NA
    board["reference_selected_by"] = ""
    board["delta_vs_best_baseline"] = math.nan
    candidates = board[(board["kind"] == "baseline") & (board["n"] > 0)].assign(
        score=score, val_score=_signed(board, "val_mean"))
    for task, group in candidates.groupby("task"):
        tuned = group[group["tuned"]]
        pool = tuned if len(tuned) else group
        # pick the reference the way a method picks a checkpoint: on validation, so that the
        # maximum over several noisy test means does not flatter the baselines
        by = "val_score" if pool["val_score"].notna().all() else "score"
        best = pool.sort_values([by, "method"], ascending=[False, True]).iloc[0]
        here = board["task"] == task
        board.loc[here, "reference_baseline"] = best["method"]
        board.loc[here, "reference_is_tuned"] = bool(len(tuned))
        board.loc[here, "reference_selected_by"] = "validation" if by == "val_score" else "test"
        board.loc[here, "delta_vs_best_baseline"] = score[here] - best["score"]
    return board


def _typed(board: pd.DataFrame) -> pd.DataFrame:
    """Stable dtypes: nullable integers for counts that may be missing, booleans as bool."""
    board = board.copy()
    for column in ("rank", "params_total", "params_trainable"):
        board[column] = board[column].round().astype("Int64")
    board["n"] = board["n"].astype(int)
    board["n_failed"] = board["n_failed"].astype(int)
    board["tuned"] = board["tuned"].astype(bool)
    board["reference_is_tuned"] = board["reference_is_tuned"].astype("boolean")
    return board

"""One leaderboard row per (task, model): statistics over test examples and seeds, rank, and
the paired comparison with the task's reference baseline.

Intervals and comparisons come from one bootstrap per task that resamples the test examples
(the per-example records the harness saved beside the predictions; for forecasting a
moving-block bootstrap over windows with blocks of one horizon) and, inside each replicate, the
seeds. Every model of the task sees the same resamples of the examples, so differences are
paired. Tasks without per-example records for every row fall back to a bootstrap over seeds.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sfmbench.errors import DataError
from sfmbench.losses import SUFFIX, load_examples, n_examples, resample_metric

from .inputs import prepare_rows
from .stats import (TIE_RTOL, better_indicator, bootstrap_means, check_bootstrap_args, combine_seeds,
                    percentile_interval, resample_counts, rng_for)

#: The leaderboard schema, in column order: name -> meaning. Stable; diff and cite against it.
LEADERBOARD_COLUMNS: dict[str, str] = {
    "domain": "Task domain (genomics, satellite, timeseries, ...).",
    "task": "Task name as registered (e.g. `ltsf/ETTh1-96`).",
    "metric": "The task's primary test metric, computed by the harness from saved predictions.",
    "direction": "`max` if higher metric values are better, `min` if lower are better.",
    "model": "Model name as given to `sfmbench run` (YAML or registry name).",
    "kind": "`baseline` (supervised, trained on the task only), `fm` (foundation model), or "
            "`published` (a figure reported in a paper, shown with `--published`; never part "
            "of any statistic).",
    "tuned": "True for tuned baselines (e.g. autoar, dasha), False for simple references.",
    "budget": "The budget of the rows behind the row (rows of different budgets or task "
              "parameters are never compared: the leaderboard refuses to mix them).",
    "recipe": "An FM's recipe (`full`, `lora`, `frozen`, `zero-shot`; `;`-joined if several); "
              "a model stored with several recipes is one row per recipe, named "
              "`model[recipe]`; empty for baselines.",
    "trials": "Tuning trials the rows behind the row ran (`;`-joined if they differ).",
    "epochs": "Epochs of the chosen configuration's final fit (`;`-joined if they differ).",
    "train_samples": "Training samples a tuning trial saw (`;`-joined if they differ).",
    "mean": "Mean of the primary metric over successful seeds (for `published` rows: the "
            "figure the paper reports, on this suite's scale).",
    "std": "Sample standard deviation (ddof=1) over seeds; empty (NaN) when n < 2.",
    "n": "Number of successful seeds behind `mean` (0 for `published` rows).",
    "ci_low": "Lower end of the percentile CI (default 95%) of `mean` from the bootstrap of "
              "`ci_basis`: test examples resampled (paired across the task's models), then "
              "seeds resampled within each replicate; seeded and deterministic.",
    "ci_high": "Upper end of the same CI.",
    "ci_basis": "`examples+seeds` when every row of the task saved per-example records (the "
                "default), `seeds` when some did not (then one seed gives a zero-width CI); "
                "forecasting tasks resample windows in moving blocks of one horizon.",
    "rank": "Rank of `mean` on the task, 1 = best (direction-aware); ties share the lowest "
            "rank; empty when the model has no successful seed.",
    "delta_vs_best_baseline": "`mean` minus the reference baseline's mean, signed so that a "
                              "positive value is better than the baseline; empty without one.",
    "delta_ci_low": "Lower end of the percentile CI of that signed delta from the paired "
                    "bootstrap of `ci_basis` (both models on the same resampled examples).",
    "delta_ci_high": "Upper end of the same CI of the delta.",
    "p_beats_reference": "Fraction of the paired bootstrap replicates in which the model is "
                         "better than the reference baseline (ties count one half).",
    "verdict": "`win` if the delta CI lies above 0, `loss` if below 0, else `tie`; "
               "`reference` for the reference baseline itself; empty without a reference, or "
               "when a gap comes with a CI of no spread (`ci_basis` `seeds` with "
               "deterministic or single-seed rows: save per-example records).",
    "val_mean": "Mean over seeds of the best validation score of the primary metric the "
                "model reported (its own model selection); empty if not reported.",
    "reference_baseline": "The reference of `delta_vs_best_baseline`: the tuned baseline with "
                          "the best validation score (`val_mean`) on the task, among those that "
                          "report one (the best test mean only when none does), or the best "
                          "baseline of any kind if none is tuned.",
    "reference_selected_by": "`validation` or `test`: which score picked `reference_baseline`.",
    "reference_is_tuned": "True if `reference_baseline` is a tuned baseline, False if it is "
                          "the untuned fallback; empty without any baseline.",
    "naive_reference": "The task's naive reference (the 0 of `normalized_score`): the untuned "
                       "baseline with the best validation score (best test mean if none "
                       "reports one); empty when the task has no untuned baseline.",
    "normalized_score": "(score - naive) / (reference - naive) on direction-aware means: 0 = "
                        "the naive reference, 1 = the reference (tuned) baseline, above 1 = "
                        "better than it; empty without both anchors or when the reference is not "
                        "better than the naive reference (the scale would be undefined or "
                        "inverted).",
    "cpu_hours": "Sum of total job wall time (s) / 3600 over successful jobs that ran on CPU.",
    "gpu_hours": "Sum of total job wall time (s) / 3600 over successful jobs that ran on an "
                 "accelerator (device other than `cpu`).",
    "params_total": "Total parameter count (largest over seeds); empty if not reported.",
    "params_trainable": "Trainable parameter count (largest over seeds); empty if not reported.",
    "pretraining_data": "Pretraining data size/description as reported (`;`-joined if several).",
    "n_failed": "Failed jobs (or jobs without a finite metric) that have no successful rerun.",
    "n_truncated": "Jobs whose work a runaway guard cut short (`truncated`); left out of every "
                   "statistic unless the leaderboard is built with `include_truncated`.",
    "config_hashes": "Sorted, `;`-joined config hashes of the successful jobs behind the row.",
    "source": "For `published` rows: the paper and table the figure comes from and how its "
              "protocol differs from this suite's; empty for measured rows.",
}


#: Row columns a (task, model) record is computed from.
_RECORD_INPUTS = ("usable", "primary_value", "best_val_metric", "total_seconds", "device", "seed",
                  "config_hash", "kind", "tuned", "params_total", "params_trainable",
                  "pretraining_data", "budget", "truncated", "recipe", "n_trials", "epochs",
                  "train_samples")


@dataclass
class Replicates:
    """Bootstrap replicates of every (task, model) mean, as direction-aware scores (higher is
    better), paired across the models of a task when ``basis`` is ``examples+seeds``."""

    scores: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    basis: dict[str, str] = field(default_factory=dict)


def aggregate(rows: pd.DataFrame, *, confidence: float = 0.95, n_resamples: int = 2000,
              seed: int = 0, examples_dir: str | Path | None = None,
              published: pd.DataFrame | None = None,
              include_truncated: bool = False) -> pd.DataFrame:
    """The leaderboard frame (columns ``LEADERBOARD_COLUMNS``) from stored result rows.

    Only successful rows (status ``ok``, finite primary value) enter the statistics; a
    (task, model) pair whose jobs all failed still gets a row, with ``n`` = 0 and empty
    statistics, so failures stay visible. Per-example records are read from
    ``<examples_dir>/<job_key>.examples.npz``, or beside each row's ``predictions_path``.
    ``published`` rows (see :mod:`sfmbench.leaderboard.published`) are appended with kind
    ``published`` after every statistic is computed. Rows are ordered by (domain, task, rank,
    model). Truncated rows enter the statistics only with ``include_truncated``. The
    bootstrap replicates are kept in ``board.attrs["replicates"]``.
    """
    check_bootstrap_args(confidence, n_resamples, seed)
    frame = prepare_rows(rows, include_truncated)
    task_info = _task_info(frame)
    columns = {c: frame[c].to_numpy() for c in _RECORD_INPUTS}
    replicates = _replicates(frame, task_info, n_resamples, seed, examples_dir)
    groups = sorted(frame.groupby(["task", "model"]).indices.items())
    records = [_pair_record(task, model, {c: a[idx] for c, a in columns.items()},
                            task_info.loc[task], replicates, confidence)
               for (task, model), idx in groups]
    board = pd.DataFrame.from_records(records)
    board = _add_ranks(board)
    board = _add_reference(board, replicates, confidence)
    board = _add_normalized(board)
    if published is not None and len(published):
        board = pd.concat([board, _published_rows(published, task_info)], ignore_index=True)
    board = board.sort_values(["domain", "task", "rank", "model"], na_position="last",
                              kind="mergesort").reset_index(drop=True)
    board = _typed(board[list(LEADERBOARD_COLUMNS)])
    board.attrs["replicates"] = replicates
    return board


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


# --- bootstrap ------------------------------------------------------------------------------------
def _records_of(row: pd.Series, examples_dir: str | Path | None) -> dict[str, np.ndarray] | None:
    """The per-example records of one stored row, or None when none were saved."""
    key = str(row.get("job_key") or row.get("config_hash") or "")
    places = []
    if examples_dir is not None and key:
        places.append(Path(examples_dir) / f"{key}{SUFFIX}")
    pred = row.get("predictions_path")
    if isinstance(pred, str) and pred:
        places.append(Path(pred).with_name(f"{Path(pred).stem}{SUFFIX}"))
    for path in places:
        if path.is_file():
            try:
                return load_examples(path)
            except (OSError, ValueError) as exc:
                raise DataError(f"cannot read the per-example records {path}: {exc}",
                                hint="delete the file (statistics then fall back to seeds) "
                                     "or rerun the job") from exc
    return None


def _replicates(frame: pd.DataFrame, info: pd.DataFrame, n_resamples: int, seed: int,
                examples_dir: str | Path | None) -> Replicates:
    out = Replicates()
    usable = frame[frame["usable"]]
    for task, rows in usable.groupby("task", sort=True):
        metric = info.loc[task, "metric"]
        sign = 1.0 if info.loc[task, "higher_is_better"] else -1.0
        records = [_records_of(r, examples_dir) for _, r in rows.iterrows()]
        per_row = _example_replicates(task, metric, records, n_resamples, seed)
        out.basis[task] = "seeds" if per_row is None else "examples+seeds"
        for model, idx in rows.groupby("model", sort=True).indices.items():
            rng = rng_for(seed, task, model)
            if per_row is None:
                values = rows["primary_value"].to_numpy(dtype=float)[idx]
                stat = (np.full(n_resamples, values[0]) if values.size == 1
                        else bootstrap_means(values, n_resamples, rng))
            else:
                stat = combine_seeds(per_row[idx], rng)
            out.scores[(task, model)] = sign * stat
    return out


#: values of the (resamples x examples) count matrix held at once
_COUNTS_BUDGET = 4_000_000


def _example_replicates(task: str, metric: str, records: list, n_resamples: int,
                        seed: int) -> np.ndarray | None:
    """(rows, B) metric replicates over shared resamples of the test examples, or None when a
    row lacks records, the rows disagree on the examples, or the metric cannot be resampled."""
    if not records or any(r is None for r in records):
        return None
    sizes = {n_examples(r) for r in records}
    if len(sizes) != 1:
        return None
    n = sizes.pop()
    if n == 0:                                  # an empty test split: nothing to resample
        return None
    block = max(1, int(records[0].get("horizon", 0) or 1))
    rng = rng_for(seed, "examples", task)
    out = np.empty((len(records), n_resamples))
    step = max(1, _COUNTS_BUDGET // n)          # resamples per batch: bounded memory
    try:
        for b0 in range(0, n_resamples, step):
            counts = resample_counts(n, block, min(step, n_resamples - b0), rng)
            for i, r in enumerate(records):
                out[i, b0:b0 + len(counts)] = resample_metric(metric, r, counts)
    except DataError:
        return None
    return out


def _pair_record(task: str, model: str, group: dict[str, np.ndarray], info: pd.Series,
                 replicates: Replicates, confidence: float) -> dict:
    """One leaderboard record from the columns (as arrays) of one (task, model) group."""
    ok = group["usable"]
    values = group["primary_value"][ok].astype(float)
    n = int(values.size)
    mean = float(values.mean()) if n else math.nan
    std = float(values.std(ddof=1)) if n > 1 else math.nan
    sign = 1.0 if info["direction"] == "max" else -1.0
    if n:
        low, high = percentile_interval(sign * replicates.scores[(task, model)], confidence)
        ci_low, ci_high = min(low, high), max(low, high)
    else:
        ci_low = ci_high = math.nan
    seconds = np.nan_to_num(group["total_seconds"][ok].astype(float))
    on_cpu = np.isin(np.char.lower(group["device"][ok].astype(str)), ["cpu", ""])
    ok_jobs = set(zip(group["seed"][ok], group["config_hash"][ok]))
    cut = group["truncated"] & ~ok                       # truncated rows left out
    failed = ~ok & ~cut
    n_failed = sum((s, h) not in ok_jobs
                   for s, h in zip(group["seed"][failed], group["config_hash"][failed]))
    budgets = sorted({str(b) for b in group["budget"][ok] if b}) or \
        sorted({str(b) for b in group["budget"] if b})
    return {
        "domain": info["domain"], "task": task, "metric": info["metric"],
        "direction": info["direction"], "model": model,
        "kind": _first_nonempty(group["kind"]), "tuned": bool(group["tuned"].any()),
        "budget": ";".join(budgets),
        "recipe": _joined(group["recipe"][ok]), "trials": _joined(group["n_trials"][ok]),
        "epochs": _joined(group["epochs"][ok]),
        "train_samples": _joined(group["train_samples"][ok]),
        "mean": mean, "std": std, "n": n, "ci_low": ci_low, "ci_high": ci_high,
        "ci_basis": replicates.basis.get(task, "") if n else "",
        "val_mean": _nanmean(group["best_val_metric"][ok]),
        "cpu_hours": float(seconds[on_cpu].sum()) / 3600.0,
        "gpu_hours": float(seconds[~on_cpu].sum()) / 3600.0,
        "params_total": _max_int(group["params_total"][ok]),
        "params_trainable": _max_int(group["params_trainable"][ok]),
        "pretraining_data": ";".join(sorted({str(v) for v in group["pretraining_data"][ok]
                                             if v is not None and not pd.isna(v) and str(v)})),
        "n_failed": int(n_failed), "n_truncated": int(cut.sum()),
        "config_hashes": ";".join(sorted({h for h in group["config_hash"][ok] if h})),
        "source": "",
    }


def _joined(values: np.ndarray) -> str:
    """Sorted distinct non-empty values, ``;``-joined (whole numbers without a decimal point)."""
    out = set()
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)) or v == "":
            continue
        out.add(str(int(v)) if isinstance(v, (float, np.floating)) and float(v).is_integer()
                else str(v))
    return ";".join(sorted(out, key=lambda x: (len(x), x)))


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


def _select(pool: pd.DataFrame) -> tuple[pd.Series, str]:
    """The row of ``pool`` with the best validation score, among the candidates that report
    one (the best test mean only when none does), and which score decided."""
    scored = pool[pool["val_score"].notna()]
    by = "val_score" if len(scored) else "score"
    best = (scored if len(scored) else pool).sort_values(
        [by, "model"], ascending=[False, True]).iloc[0]
    return best, ("validation" if by == "val_score" else "test")


def _add_reference(board: pd.DataFrame, replicates: Replicates,
                   confidence: float) -> pd.DataFrame:
    """Reference baseline per task, and every model's paired delta to it with CI and verdict."""
    board = board.copy()
    score = _signed(board)
    for column, empty in (("reference_baseline", ""), ("reference_selected_by", ""),
                          ("verdict", ""), ("naive_reference", "")):
        board[column] = empty
    board["reference_is_tuned"] = pd.NA
    for column in ("delta_vs_best_baseline", "delta_ci_low", "delta_ci_high",
                   "p_beats_reference"):
        board[column] = math.nan
    candidates = board[(board["kind"] == "baseline") & (board["n"] > 0)].assign(
        score=score, val_score=_signed(board, "val_mean"))
    for task, group in candidates.groupby("task"):
        tuned = group[group["tuned"]]
        # pick the reference the way a model picks a checkpoint: on validation, so that the
        # maximum over several noisy test means does not flatter the baselines
        best, selected_by = _select(tuned if len(tuned) else group)
        here = board["task"] == task
        board.loc[here, "reference_baseline"] = best["model"]
        board.loc[here, "reference_is_tuned"] = bool(len(tuned))
        board.loc[here, "reference_selected_by"] = selected_by
        board.loc[here, "delta_vs_best_baseline"] = score[here] - best["score"]
        untuned = group[~group["tuned"]]
        if len(untuned):
            board.loc[here, "naive_reference"] = _select(untuned)[0]["model"]
        ref = replicates.scores[(task, best["model"])]
        for i in board.index[here & (board["n"] > 0)]:
            model = board.at[i, "model"]
            if model == best["model"]:
                board.at[i, "verdict"] = "reference"
                board.loc[i, ["delta_ci_low", "delta_ci_high", "p_beats_reference"]] = \
                    [0.0, 0.0, 0.5]
                continue
            mine = replicates.scores[(task, model)]
            low, high = percentile_interval(mine - ref, confidence)
            board.at[i, "delta_ci_low"], board.at[i, "delta_ci_high"] = low, high
            board.at[i, "p_beats_reference"] = float(better_indicator(mine, ref, True).mean())
            # float noise (e.g. 0.1 averaged over resampled copies) is no win or loss
            tol = TIE_RTOL * max(1.0, abs(float(best["score"])))
            if replicates.basis.get(task) == "seeds" and high - low <= tol and \
                    (low > tol or high < -tol):
                continue    # a gap without any spread (seeds only): no verdict to defend
            board.at[i, "verdict"] = "win" if low > tol else "loss" if high < -tol else "tie"
    return board


def _add_normalized(board: pd.DataFrame) -> pd.DataFrame:
    """normalized_score = (score - naive) / (reference - naive), direction-aware; defined only
    where the reference beats the naive reference (else the scale is undefined or inverted)."""
    board = board.copy()
    score = _signed(board)
    by_model = {(t, m): s for t, m, s in zip(board["task"], board["model"], score)}
    ref = np.array([by_model.get((t, r), math.nan) if r else math.nan
                    for t, r in zip(board["task"], board["reference_baseline"])])
    naive = np.array([by_model.get((t, r), math.nan) if r else math.nan
                      for t, r in zip(board["task"], board["naive_reference"])])
    spread = ref - naive
    with np.errstate(invalid="ignore", divide="ignore"):
        board["normalized_score"] = np.where(spread > 0,
                                             (score.to_numpy() - naive) / spread, math.nan)
    return board


def _published_rows(published: pd.DataFrame, info: pd.DataFrame) -> pd.DataFrame:
    """Published figures as leaderboard rows of kind ``published`` (no statistics)."""
    rows = []
    for rec in published.to_dict("records"):
        task, metric = rec["task"], str(rec["metric"])
        # only beside tasks that have measured rows, and in the metric the rows rank by
        if task not in info.index or metric != info.loc[task, "metric"]:
            continue
        direction = info.loc[task, "direction"]
        rows.append({
            "domain": info.loc[task, "domain"],
            "task": task, "metric": rec["metric"], "direction": direction,
            "model": str(rec["model"]), "kind": "published", "tuned": False, "budget": "",
            "mean": float(rec["value"]), "n": 0, "n_failed": 0, "config_hashes": "",
            "ci_basis": "", "reference_baseline": "", "reference_selected_by": "",
            "verdict": "", "naive_reference": "", "pretraining_data": "",
            "recipe": "", "trials": "", "epochs": "", "train_samples": "", "n_truncated": 0,
            "cpu_hours": math.nan, "gpu_hours": math.nan,
            "source": f"{rec['paper']}, {rec['table']}; protocol: {rec['protocol']}",
        })
    return pd.DataFrame.from_records(rows, columns=list(LEADERBOARD_COLUMNS))


def _typed(board: pd.DataFrame) -> pd.DataFrame:
    """Stable dtypes: nullable integers for counts that may be missing, booleans as bool."""
    board = board.copy()
    for column in ("rank", "params_total", "params_trainable"):
        board[column] = board[column].round().astype("Int64")
    board["n"] = board["n"].astype(int)
    board["n_failed"] = board["n_failed"].astype(int)
    board["n_truncated"] = board["n_truncated"].astype(int)
    board["tuned"] = board["tuned"].astype(bool)
    board["reference_is_tuned"] = board["reference_is_tuned"].astype("boolean")
    return board

"""Human-readable cell text shared by the Markdown, HTML and terminal views."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

MISSING = "–"


def is_missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt_value(value: Any, digits: int = 4) -> str:
    """Floats with ``digits`` significant digits, integers exactly, booleans as yes/no."""
    if is_missing(value):
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.{digits}g}"
    return str(value)


def fmt_count(value: Any) -> str:
    """Parameter counts as 950, 12.3K, 4.5M, 1.2B."""
    if is_missing(value):
        return MISSING
    number = float(value)
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(number) >= scale:
            return f"{number / scale:.3g}{suffix}"
    return str(int(number))


def fmt_signed(value: Any, digits: int = 4) -> str:
    if is_missing(value):
        return MISSING
    return f"{float(value):+.{digits}g}"


def fmt_mean_std(mean: Any, std: Any, digits: int = 4) -> str:
    if is_missing(mean):
        return MISSING
    text = fmt_value(float(mean), digits)
    if is_missing(std):
        return text
    spread = float(std)
    if abs(spread) <= 1e-12 * max(1.0, abs(float(mean))):   # float noise of equal seeds
        spread = 0.0
    return f"{text} ± {fmt_value(spread, 2)}"


def fmt_interval(low: Any, high: Any, digits: int = 4) -> str:
    if is_missing(low) or is_missing(high):
        return MISSING
    return f"[{fmt_value(float(low), digits)}, {fmt_value(float(high), digits)}]"


def fmt_hours(cpu: Any, gpu: Any) -> str:
    parts = [f"{fmt_value(float(h), 3)} {name}" for h, name in ((cpu, "CPU"), (gpu, "GPU"))
             if not is_missing(h) and float(h) > 0]
    return ", ".join(parts) if parts else MISSING


def fmt_kind(kind: Any, tuned: Any) -> str:
    return f"{kind} (tuned)" if kind == "baseline" and tuned is True else str(kind)


def page_note(confidence: float) -> str:
    """The legend printed above the tables of the Markdown and HTML pages."""
    return (f"Δ vs baseline is signed so that positive means better than the task's reference "
            f"(tuned) baseline. CI: {confidence:.0%} percentile bootstrap over test examples "
            "(moving blocks of one horizon for forecast windows), paired across models, with "
            "seeds resampled in each replicate. Verdict and W/T/L: a win when the CI of Δ lies "
            "above 0, a loss when below 0, else a tie. Normalized score: 0 = the task's naive "
            "reference, 1 = its reference baseline; mean and IQM over tasks with a stratified "
            "bootstrap CI.")


def leaderboard_cells(row: pd.Series) -> dict[str, str]:
    """The compact per-model view of one leaderboard row, used by every renderer."""
    return {
        "rank": fmt_value(row["rank"]),
        "model": str(row["model"]),
        "kind": fmt_kind(row["kind"], bool(row["tuned"])),
        "mean ± std": fmt_mean_std(row["mean"], row["std"]),
        "CI": fmt_interval(row["ci_low"], row["ci_high"]),
        "n": fmt_value(row["n"]),
        "Δ vs baseline [CI] verdict": " ".join(x for x in (
            fmt_signed(row["delta_vs_best_baseline"]),
            fmt_interval(row["delta_ci_low"], row["delta_ci_high"])
            if row["verdict"] not in ("", "reference") else "",
            str(row["verdict"] or "")) if x),
        "compute (h)": fmt_hours(row["cpu_hours"], row["gpu_hours"]),
        "params": fmt_count(row["params_total"]),
        "failed": fmt_value(row["n_failed"]),
    }


def summary_cells(row: pd.Series) -> dict[str, str]:
    """The view of one summary row."""
    return {
        "domain": str(row["domain"]),
        "model": str(row["model"]),
        "tasks": fmt_value(row["n_tasks"]),
        "W/T/L": f"{row['wins']}/{row['ties']}/{row['losses']}",
        "norm. score, mean [CI]": " ".join(x for x in (
            fmt_value(row["mean_normalized_score"], 3),
            fmt_interval(row["mean_normalized_ci_low"], row["mean_normalized_ci_high"], 3)) if x),
        "norm. score, IQM [CI]": " ".join(x for x in (
            fmt_value(row["iqm_normalized_score"], 3),
            fmt_interval(row["iqm_normalized_ci_low"], row["iqm_normalized_ci_high"], 3)) if x),
        "P(FM beats baseline)": fmt_value(row["p_beats_baseline"], 3),
        "CI": fmt_interval(row["p_beats_ci_low"], row["p_beats_ci_high"], 3),
    }



# ----------------------------------------------------------------------------------------------
# the overview (tasks x models) and page metadata shared by the HTML and Markdown pages
# ----------------------------------------------------------------------------------------------
#: verdict -> (mark, word) of the overview cells
MARKS = {"win": ("▲", "win"), "loss": ("▼", "loss"), "tie": ("=", "tie"),
         "reference": ("●", "reference")}
_KIND_ORDER = {"tuned baseline": 0, "simple baseline": 1, "foundation model": 2,
               "published figure": 3}


def _col(row: pd.Series, name: str, default: Any = None) -> Any:
    """A column of a leaderboard row, or ``default`` when this schema version lacks it."""
    return row[name] if name in row.index else default


def model_order(board: pd.DataFrame) -> list[str]:
    """Models in the one legend order: tuned baselines, simple baselines, FMs (by name)."""
    from sfmbench.sorting import natural_key

    from .plots import kind_label
    kinds: dict[str, int] = {}
    for _, row in board.iterrows():
        rank = _KIND_ORDER[kind_label(row["kind"], row["tuned"])]
        kinds[str(row["model"])] = min(rank, kinds.get(str(row["model"]), rank))
    return sorted(kinds, key=lambda m: (kinds[m], natural_key(m)))


def task_order(board: pd.DataFrame) -> list[tuple[str, str]]:
    """(domain, task) pairs by domain, then natural task order."""
    from sfmbench.sorting import natural_key
    pairs = {(str(d), str(t)) for d, t in zip(board["domain"], board["task"])}
    return sorted(pairs, key=lambda p: (p[0], natural_key(p[1])))


def verdict_of(row: pd.Series) -> str:
    """``win``/``tie``/``loss``/``reference`` against the task's reference baseline ('' if none).

    Uses the leaderboard's ``verdict`` column where the schema has one; otherwise the seed CIs:
    a win when the model's CI lies entirely on the better side of the reference's mean."""
    verdict = _col(row, "verdict")
    if verdict is not None and not is_missing(verdict):
        return str(verdict)
    ref = _col(row, "reference_baseline", "")
    if not ref or is_missing(row["mean"]):
        return ""
    if row["model"] == ref:
        return "reference"
    delta = _col(row, "delta_vs_best_baseline")
    if is_missing(delta):
        return ""
    low, high = _col(row, "delta_ci_low"), _col(row, "delta_ci_high")
    if not (is_missing(low) or is_missing(high)):
        return "win" if low > 0 else "loss" if high < 0 else "tie"
    return "win" if delta > 0 else "loss" if delta < 0 else "tie"


def overview_cell(row: pd.Series | None) -> tuple[str, str, str, str]:
    """(normalized score text, mark, raw mean text, sort key) of one task x model cell."""
    if row is None or is_missing(row["mean"]):
        return MISSING, "", "", ""
    norm = _col(row, "normalized_score")
    verdict = verdict_of(row)
    mark = MARKS.get(verdict, ("", ""))[0]
    raw = fmt_mean_std(row["mean"], row["std"])
    if norm is None or is_missing(norm):
        return MISSING, mark, raw, ""
    value = float(norm) + 0.0                     # no "-0"
    return fmt_value(value, 3), mark, raw, f"{value:.6g}"


def domain_summary(board: pd.DataFrame) -> list[dict[str, str]]:
    """Per domain and model: tasks, mean normalized score, wins/ties/losses vs the reference."""
    records = []
    models = model_order(board)
    for domain, group in board.groupby("domain", sort=True):
        for model in models:
            rows = group[(group["model"] == model) & group["mean"].notna()]
            if not len(rows):
                continue
            verdicts = [verdict_of(r) for _, r in rows.iterrows()]
            norm = pd.to_numeric(rows["normalized_score"], errors="coerce") \
                if "normalized_score" in rows else pd.Series(dtype=float)
            first = rows.iloc[0]
            records.append({
                "domain": str(domain), "model": model,
                "kind": fmt_kind(first["kind"], bool(first["tuned"])),
                "tasks": str(len(rows)),
                "mean norm. score": fmt_value(norm.mean(), 3) if norm.notna().any() else MISSING,
                "W/T/L vs ref.": (f"{verdicts.count('win')}/{verdicts.count('tie')}/"
                                  f"{verdicts.count('loss')}"
                                  if any(v in ("win", "tie", "loss") for v in verdicts)
                                  else ("reference" if "reference" in verdicts else MISSING)),
            })
    return records


def provenance(rows: pd.DataFrame | None) -> dict[str, str]:
    """Where the numbers come from: result dates, versions, git revisions, budgets, row counts.

    Computed from the rows only, so the same rows give the same page."""
    from sfmbench import __version__
    info = {"rendered by": f"sfmbench {__version__}"}
    if rows is None or not len(rows):
        return info

    def values(column: str) -> list[str]:
        if column not in rows:
            return []
        return sorted({str(v) for v in rows[column] if not is_missing(v) and str(v)})

    finished = pd.to_datetime(rows["finished_at"], errors="coerce", utc=True) \
        if "finished_at" in rows else pd.Series(dtype="datetime64[ns, UTC]")
    if finished.notna().any():
        first, last = finished.min(), finished.max()
        info["results dated"] = (f"{first:%Y-%m-%d}" if first.date() == last.date()
                                 else f"{first:%Y-%m-%d} to {last:%Y-%m-%d}")
    info["sfmbench version of the results"] = ", ".join(values("package_version")) or MISSING
    info["git revision"] = ", ".join(r[:12] for r in values("git_revision")) or MISSING
    info["budget"] = ", ".join(values("budget")) or MISSING
    status = rows["status"].astype(str) if "status" in rows else pd.Series(dtype=str)
    info["rows"] = (f"{len(rows)} stored jobs: {int((status == 'ok').sum())} ok, "
                    f"{int((status != 'ok').sum())} failed")
    return info


def problem_rows(rows: pd.DataFrame | None) -> list[dict[str, str]]:
    """Failed and truncated jobs (one per job), with the first line of their reason."""
    if rows is None or not len(rows):
        return []
    out = []
    for _, r in rows.iterrows():
        failed = str(r.get("status", "ok")) != "ok"
        truncated = bool(r.get("truncated")) if not is_missing(r.get("truncated")) else False
        if not (failed or truncated):
            continue
        reason = str(r.get("error") or "").strip().splitlines()
        out.append({"task": str(r["task"]), "model": str(r["model"]),
                    "seed": fmt_value(r.get("seed")), "budget": str(r.get("budget") or ""),
                    "status": "failed" if failed else "truncated (guard stopped it)",
                    "reason": (reason[0][:300] if reason else
                               "the runaway guard cut the work short" if truncated else "")})
    return out

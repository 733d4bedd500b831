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
    return text if is_missing(std) else f"{text} ± {fmt_value(float(std), 2)}"


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
            "(moving blocks of one horizon for forecast windows), paired across methods, with "
            "seeds resampled in each replicate. Verdict and W/T/L: a win when the CI of Δ lies "
            "above 0, a loss when below 0, else a tie. Normalized score: 0 = the task's naive "
            "reference, 1 = its reference baseline; mean and IQM over tasks with a stratified "
            "bootstrap CI.")


def leaderboard_cells(row: pd.Series) -> dict[str, str]:
    """The compact per-method view of one leaderboard row, used by every renderer."""
    return {
        "rank": fmt_value(row["rank"]),
        "method": str(row["method"]),
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
        "method": str(row["method"]),
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


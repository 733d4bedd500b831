"""Per-task dot plots (mean with CI per model) as self-contained SVG data URIs.

Drawn as plain SVG text (no plotting library), so every install has plots and the same
leaderboard gives byte-identical files. Model names are XML-escaped; the images are embedded
via ``<img>``, where SVG cannot run scripts. One legend order everywhere: :data:`LEGEND`.
"""
from __future__ import annotations

import base64
import html
import math

import pandas as pd

#: (label, colour) per kind of model, in the one legend order used by every plot
LEGEND: tuple[tuple[str, str], ...] = (("tuned baseline", "#1f77b4"),
                                       ("simple baseline", "#8c8c8c"),
                                       ("foundation model", "#d62728"),
                                       ("published figure", "#2ca02c"))
_COLOR = dict(LEGEND)
WIDTH = 680
ROW = 26
LEFT_PAD = 12
PLOT_RIGHT = WIDTH - 24


def kind_label(kind: object, tuned: object) -> str:
    if kind == "fm":
        return "foundation model"
    if kind == "published":
        return "published figure"
    return "tuned baseline" if bool(tuned) else "simple baseline"


def matplotlib_available() -> bool:
    """Kept for callers of the old API: plots no longer need matplotlib."""
    return True


def task_plots(board: pd.DataFrame) -> dict[str, str]:
    """``{task: data URI of an SVG}`` for every task with at least one result."""
    plots = {}
    for task, group in board.groupby("task", sort=True):
        shown = group[pd.to_numeric(group["mean"], errors="coerce").notna()]
        if len(shown):
            plots[str(task)] = "data:image/svg+xml;base64," + base64.b64encode(
                task_svg(shown).encode("utf-8")).decode("ascii")
    return plots


def _ticks(low: float, high: float, n: int = 5) -> list[float]:
    span = high - low
    step = 10 ** math.floor(math.log10(span / n)) if span > 0 else 1.0
    for mult in (1, 2, 2.5, 5, 10):
        if span / (step * mult) <= n:
            step *= mult
            break
    first = math.ceil(low / step) * step
    return [first + k * step for k in range(int((high - first) / step + 1e-9) + 1)]


def _num(value: object) -> float:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return out


def task_svg(group: pd.DataFrame) -> str:
    """One horizontal dot plot: best model on top, CI whiskers with caps, a dashed line at the
    reference baseline, the axis labelled with the metric and its direction."""
    first = group.iloc[0]
    higher = first["direction"] == "max"
    means = [_num(v) for v in group["mean"]]
    order = sorted(range(len(group)), key=lambda i: -means[i] if higher else means[i])
    lows = [_num(v) for v in group["ci_low"]]
    highs = [_num(v) for v in group["ci_high"]]
    values = [v for v in means + lows + highs if not math.isnan(v)]
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.08 or (abs(hi) * 0.05 or 0.05)
    lo, hi = lo - pad, hi + pad
    names = [str(group.iloc[i]["model"]) for i in order]
    label_w = min(260, 16 + 7 * max(len(n) for n in names))
    x0, x1 = LEFT_PAD + label_w, PLOT_RIGHT
    top = 34
    height = top + ROW * len(order) + 44

    def x(v: float) -> float:
        return x0 + (v - lo) / (hi - lo) * (x1 - x0)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{height}" fill="white"/>']
    # legend, always in LEGEND order, only the kinds present
    present = {kind_label(k, t) for k, t in zip(group["kind"], group["tuned"])}
    lx = x0
    for label, color in LEGEND:
        if label in present:
            out.append(f'<circle cx="{lx + 5}" cy="14" r="5" fill="{color}"/>'
                       f'<text x="{lx + 14}" y="18">{html.escape(label)}</text>')
            lx += 24 + 7 * len(label)
    for t in _ticks(lo, hi):
        out.append(f'<line x1="{x(t):.1f}" y1="{top - 6}" x2="{x(t):.1f}" '
                   f'y2="{top + ROW * len(order)}" stroke="#e5e5e5"/>'
                   f'<text x="{x(t):.1f}" y="{top + ROW * len(order) + 16}" '
                   f'text-anchor="middle" fill="#444">{t:.4g}</text>')
    reference = first.get("reference_baseline", "")
    if reference:
        ref = group.loc[group["model"] == reference, "mean"]
        if len(ref) and not math.isnan(_num(ref.iloc[0])):
            rx = x(_num(ref.iloc[0]))
            out.append(f'<line x1="{rx:.1f}" y1="{top - 6}" x2="{rx:.1f}" '
                       f'y2="{top + ROW * len(order)}" stroke="#1f77b4" '
                       'stroke-dasharray="4 3"/>')
    for row, i in enumerate(order):
        y = top + ROW * row + ROW / 2
        rec = group.iloc[i]
        color = _COLOR[kind_label(rec["kind"], rec["tuned"])]
        out.append(f'<text x="{x0 - 8}" y="{y + 4:.1f}" text-anchor="end">'
                   f'{html.escape(names[row])}</text>')
        if not (math.isnan(lows[i]) or math.isnan(highs[i])) and highs[i] > lows[i]:
            a, b = x(lows[i]), x(highs[i])
            out.append(f'<line x1="{a:.1f}" y1="{y:.1f}" x2="{b:.1f}" y2="{y:.1f}" '
                       f'stroke="#333" stroke-width="2"/>'
                       f'<line x1="{a:.1f}" y1="{y - 6:.1f}" x2="{a:.1f}" y2="{y + 6:.1f}" '
                       f'stroke="#333" stroke-width="2"/>'
                       f'<line x1="{b:.1f}" y1="{y - 6:.1f}" x2="{b:.1f}" y2="{y + 6:.1f}" '
                       f'stroke="#333" stroke-width="2"/>')
        out.append(f'<circle cx="{x(means[i]):.1f}" cy="{y:.1f}" r="5.5" fill="{color}" '
                   'stroke="white"/>')
    arrow = "higher is better" if higher else "lower is better"
    out.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{height - 8}" text-anchor="middle">'
               f'{html.escape(str(first["metric"]))} ({arrow}); bars: CI of the mean; '
               'dashed: reference baseline</text></svg>')
    return "\n".join(out)

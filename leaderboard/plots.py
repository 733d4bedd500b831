"""Per-task dot plots (mean with bootstrap CI per method) as self-contained data URIs.

matplotlib is optional (extra ``plots``); without it ``task_plots`` returns None and pages are
rendered without figures. Figures are built with ``matplotlib.figure.Figure`` (no pyplot global
state, no GUI backend) and written as SVG with fixed metadata and hash salt, so the same
leaderboard gives byte-identical plots. Text stays text (``svg.fonttype: none``): small files;
the images are embedded via ``<img>``, where SVG cannot run scripts.
"""
from __future__ import annotations

import base64
import io

import numpy as np
import pandas as pd

#: Marker colour per (kind, tuned) so tuned baselines, simple references and FMs stand apart.
KIND_COLORS = {("baseline", True): "#1f77b4", ("baseline", False): "#9e9e9e",
               ("fm", False): "#d62728", ("fm", True): "#d62728"}
KIND_LABELS = {"#1f77b4": "tuned baseline", "#9e9e9e": "simple baseline",
               "#d62728": "foundation model"}
OTHER_COLOR = "#2ca02c"


def matplotlib_available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def task_plots(board: pd.DataFrame) -> dict[str, str] | None:
    """``{task: data URI of an SVG}`` for every task with results; None without matplotlib."""
    if not matplotlib_available():
        return None
    return {task: _svg_data_uri(group) for task, group in board.groupby("task", sort=True)
            if (group["n"] > 0).any()}


def _svg_data_uri(group: pd.DataFrame) -> str:
    import matplotlib
    from matplotlib.figure import Figure

    group = group[group["n"] > 0].iloc[::-1]          # best method on top
    first = group.iloc[0]
    y = np.arange(len(group))
    labels = [str(m) for m in group["method"]]
    height = 0.4 * len(group) + 1.3
    # text.parse_math off: a name such as "$x^$" is a label, not mathtext (which would crash)
    with matplotlib.rc_context({"svg.hashsalt": "sfmbench", "svg.fonttype": "none",
                                "text.parse_math": False}):
        fig = Figure(figsize=(7.0, height))
        # Fixed margins instead of tight_layout (which costs most of the drawing time).
        left = min(0.5, 0.02 + 0.0125 * max(len(label) for label in labels))
        fig.subplots_adjust(left=left, right=0.97, top=1 - 0.5 / height,
                            bottom=0.75 / height)
        ax = fig.add_subplot()
        means = group["mean"].to_numpy(dtype=float)
        errors = np.vstack([means - group["ci_low"].to_numpy(dtype=float),
                            group["ci_high"].to_numpy(dtype=float) - means])
        colors = [KIND_COLORS.get((k, bool(t)), OTHER_COLOR)
                  for k, t in zip(group["kind"], group["tuned"])]
        ax.errorbar(means, y, xerr=np.clip(errors, 0, None), fmt="none", ecolor="#555555",
                    capsize=3, linewidth=1)
        for color in dict.fromkeys(colors):         # one legend entry per kind present
            mask = np.array([c == color for c in colors])
            ax.scatter(means[mask], y[mask], color=color, zorder=3,
                       label=KIND_LABELS.get(color, "other"))
        reference = first["reference_baseline"]
        if reference:
            ref_mean = group.loc[group["method"] == reference, "mean"]
            if len(ref_mean):
                ax.axvline(float(ref_mean.iloc[0]), color="#1f77b4", linestyle="--",
                           linewidth=0.8)
        ax.set_yticks(y, labels)
        arrow = "higher is better" if first["direction"] == "max" else "lower is better"
        ax.set_xlabel(f"{first['metric']} ({arrow}); bars: bootstrap CI")
        ax.grid(axis="x", alpha=0.3)
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=3, fontsize="small",
                  frameon=False, borderaxespad=0.1)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")

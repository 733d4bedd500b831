"""Hand-made result rows for the leaderboard tests, built from the real ResultRow record."""
from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from sfmbench.results import ResultRow

TASK_META = {  # task -> (domain, metric, higher_is_better)
    "gue/prom": ("genomics", "mcc", True),
    "gue/tf": ("genomics", "mcc", True),
    "gue/splice": ("genomics", "mcc", True),
    "ltsf/ETTh1-96": ("timeseries", "mse", False),
    "ltsf/ETTh2-96": ("timeseries", "mse", False),
}
MODEL_META = {  # model -> (kind, tuned)
    "dasha": ("baseline", True),
    "autoar": ("baseline", True),
    "last-value": ("baseline", False),
    "linear": ("baseline", False),
    "chronos": ("fm", False),
    "dnabert2": ("fm", False),
}


def make_row(task: str, model: str, seed: int, value: float | None, **extra) -> dict:
    domain, metric, higher = TASK_META.get(task, ("generated", "acc", True))
    kind, tuned = MODEL_META.get(model, ("fm", False))
    fields = dict(job_key=f"{task}|{model}|{seed}", task=task, model=model, kind=kind,
                  seed=seed, domain=domain, tuned=tuned, primary_metric=metric,
                  higher_is_better=higher, primary_value=value,
                  metrics={metric: value} if value is not None else {},
                  total_seconds=360.0, device="cpu", config_hash=f"h-{task}-{model}-{seed}")
    fields.update(extra)
    return ResultRow(**fields).to_dict()


def frame_from(spec: dict[tuple[str, str], Iterable[float]], *extra_rows: dict) -> pd.DataFrame:
    """``{(task, model): [value per seed]}`` (+ ready rows) -> a result-row DataFrame."""
    rows = [make_row(task, model, seed, value)
            for (task, model), values in spec.items() for seed, value in enumerate(values)]
    return pd.DataFrame(rows + list(extra_rows))


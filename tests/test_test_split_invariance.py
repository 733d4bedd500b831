"""Changing any value of the test part of a dataset changes no choice any method makes.

Each forecasting baseline runs through the real harness on a user CSV (``ltsf/csv``) twice: once
as written, once with every test-part value (after the validation split ends) replaced. Every
choice recorded in the result row (hyperparameters such as lag and differencing order, the
best validation score, the number of trials) must be identical; only test metrics may differ.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sfmbench.config import make_job
from sfmbench.runner import RunSettings, run_job
from sfmbench.store import Store

from .tasks.timeseries.ts_fixtures import write_series_csv

MODELS = ["autoar", "dlinear", "seasonal-naive", "last-value"]
ROWS, LOOKBACK, HORIZON = 1200, 96, 24


def _run(csv: Path, model: str, tmp: Path) -> dict:
    job = make_job("ltsf/csv", model, 0, "smoke",
                   {"path": str(csv), "horizon": HORIZON, "lookback": LOOKBACK})
    row = run_job(job, Store(f"sqlite:///{tmp / 'r.db'}"), RunSettings(run_dir=tmp,
                                                                      save_predictions=False))
    assert row.status == "ok", row.error
    return row.to_dict()


@pytest.mark.parametrize("model", MODELS)
def test_test_values_change_no_choice(model: str, tmp_path: Path) -> None:
    original = tmp_path / "a" / "series.csv"
    frame = write_series_csv(original, ROWS)
    perturbed = tmp_path / "b" / "series.csv"
    perturbed.parent.mkdir()
    test_start = ROWS - int(0.2 * ROWS)
    rng = np.random.default_rng(1)
    changed = frame.copy()
    cols = changed.columns[1:]
    changed.loc[test_start:, cols] = rng.normal(50, 30, (ROWS - test_start, len(cols)))
    changed.to_csv(perturbed, index=False)
    assert not pd.read_csv(perturbed).iloc[test_start:, 1:].equals(frame.iloc[test_start:, 1:])

    a = _run(original, model, tmp_path / "a")
    b = _run(perturbed, model, tmp_path / "b")
    if model != "last-value":  # every other model makes a choice on validation
        assert a["hyperparameters"] and a["best_val_metric"] is not None
    for key in ("hyperparameters", "architecture", "best_val_metric", "n_trials", "epochs"):
        assert a[key] == b[key], key
    assert a["metrics"]["mse"] != b["metrics"]["mse"]  # the test part did change

"""Changing the test part of a task changes no choice ORCA or L2G makes.

Through the real harness, each adapter runs twice: on a task as it is and with its test labels
shuffled (classification) or its test rows poisoned (a forecasting CSV). Every recorded choice
(hyperparameters incl. the alignment objective, architecture incl. the searched kernels and
alignment losses, best validation score, trials, epochs) must be identical; the test metric
must move, so the comparison can fail.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from sfmbench import TASKS
from sfmbench.config import make_job
from sfmbench.runner import RunSettings, run_job
from sfmbench.store import Store
from sfmbench.tasks.genomics.motifs import MotifTask

from ...tasks.timeseries.ts_fixtures import write_series_csv
from .test_adapters import FAST, L2G_ONLY

CHOICES = ("status", "hyperparameters", "architecture", "best_val_metric", "n_trials", "epochs")
ROWS, LOOKBACK, HORIZON = 700, 32, 8


class ShuffledMotif(MotifTask):
    """The tiny motif task; ``shuffle_test_labels`` permutes the test labels."""

    defaults: ClassVar[dict[str, Any]] = {**MotifTask.defaults, "shuffle_test_labels": False}

    def load(self):  # noqa: ANN201
        data = super().load()
        if self.params["shuffle_test_labels"]:
            data.test.targets = np.random.default_rng(5).permutation(data.test.targets)
        return data


@pytest.fixture
def motif_task() -> Iterator[str]:
    name = "generated/crossmodal-motif-test"
    TASKS.register(name, ShuffledMotif, domain="generated", modality="genomics",
                   problem="classification",
                   params={"n_train": 200, "n_val": 100, "n_test": 100, "length": 50,
                           "motif_length": 8})
    yield name
    TASKS.unregister(name)


def _row(task: str, model: str, body: Path, run_dir: Path, task_overrides: dict) -> dict:
    params = {**FAST, "model_id": str(body),
              "source": {"kind": "pydoc", "chunk_tokens": 16, "max_samples": 100, "k": 3,
                         "cache_dir": str(run_dir.parent / "cache")},
              "search_space": {"objective": ["none", "mmd" if model == "l2g" else "otdd"],
                               "lr": [1e-3]}}
    if model == "orca":
        for key in L2G_ONLY:
            params.pop(key)
    job = make_job(task, model, 0, "smoke", task_overrides, params)
    row = run_job(job, Store(f"sqlite:///{run_dir / 'r.db'}"),
                  RunSettings(run_dir=run_dir, show_progress=False, device="cpu"))
    assert row.status == "ok", row.error
    return row.to_dict()


def _same_choices(a: dict, b: dict) -> None:
    assert a["hyperparameters"] and a["best_val_metric"] is not None
    for key in CHOICES:
        assert a[key] == b[key], key


@pytest.mark.parametrize("model", ["orca", pytest.param("l2g", marks=pytest.mark.slow)])
def test_shuffled_test_labels_change_no_choice(model, motif_task, tiny_bert, tmp_path):
    a = _row(motif_task, model, tiny_bert, tmp_path / "a", {"shuffle_test_labels": False})
    b = _row(motif_task, model, tiny_bert, tmp_path / "b", {"shuffle_test_labels": True})
    _same_choices(a, b)
    pa, pb = np.load(a["predictions_path"]), np.load(b["predictions_path"])
    np.testing.assert_array_equal(pa, pb)
    if len(np.unique(pa.argmax(1))) > 1:     # a constant prediction scores alike on any labels
        assert a["metrics"]["accuracy"] != b["metrics"]["accuracy"]


@pytest.mark.parametrize("model", ["l2g", pytest.param("orca", marks=pytest.mark.slow)])
def test_poisoned_test_series_changes_no_choice(model, tiny_bert, tmp_path):
    original = tmp_path / "a" / "series.csv"
    frame = write_series_csv(original, ROWS)
    poisoned = tmp_path / "b" / "series.csv"
    poisoned.parent.mkdir()
    test_start = ROWS - int(0.2 * ROWS)
    changed = frame.copy()
    cols = changed.columns[1:]
    changed.loc[test_start:, cols] = np.random.default_rng(1).normal(
        50, 30, (ROWS - test_start, len(cols)))
    changed.to_csv(poisoned, index=False)
    task = {"horizon": HORIZON, "lookback": LOOKBACK}
    a = _row("ltsf/csv", model, tiny_bert, tmp_path / "a", {**task, "path": str(original)})
    b = _row("ltsf/csv", model, tiny_bert, tmp_path / "b", {**task, "path": str(poisoned)})
    _same_choices(a, b)
    assert a["metrics"]["mse"] != b["metrics"]["mse"]

"""DASHA's work is set by the budget's counts; seconds only guard against a runaway job, and a
row the guard cut short says so."""
from __future__ import annotations

import pytest

from sfmbench.config import _budget, make_job
from sfmbench.runner import RunSettings, run_job
from sfmbench.store import Store, default_url

TASK = "generated/dna-motif-tiny"


@pytest.fixture
def guarded_budget(tmp_path, monkeypatch):
    """A budget named `guarded`: the smoke counts with a guard that is already spent."""
    folder = tmp_path / "conf" / "budget"
    folder.mkdir(parents=True)
    (folder / "guarded.yaml").write_text(
        "name: guarded\ntrials: 3\nmax_epochs: 2\nretrain_epochs: 3\nsearch_epochs: 1\n"
        "guard_seconds: 0.0\n")
    monkeypatch.setenv("SFMBENCH_CONFIG_PATH", str(tmp_path / "conf"))
    _budget.cache_clear()
    yield "guarded"
    _budget.cache_clear()


def _run(tmp_path, budget: str, **overrides):
    job = make_job(TASK, "dasha", budget=budget, model_overrides={
        "backbones": {"resnet1d": {"width": 8}}, "kernels": [3, 5], "dilations": [1, 3],
        **overrides})
    return run_job(job, Store(default_url()), RunSettings(run_dir=tmp_path / "runs",
                                                          show_progress=False, device="cpu"))


def test_the_budget_sets_trials_and_epochs(tmp_path, one_torch_thread):
    row = _run(tmp_path, "smoke")
    assert row.status == "ok", row.error
    assert (row.n_trials, row.epochs, row.truncated) == (3, 3, False)     # smoke: 3 trials, 3
    assert row.train_samples == row.n_train and row.budget == "smoke"   # retrain epochs
    assert row.tune_seconds is not None and 0 < row.tune_seconds <= row.train_seconds


def test_a_spent_guard_stores_a_truncated_row_with_what_ran(tmp_path, guarded_budget,
                                                            one_torch_thread):
    row = _run(tmp_path, guarded_budget)
    assert row.status == "ok", row.error
    assert row.truncated is True
    assert row.n_trials < 3 or row.epochs < 3                 # what actually ran is recorded
    assert row.budget == "guarded"

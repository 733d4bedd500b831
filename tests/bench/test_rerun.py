"""`sfmbench rerun`: a stored row's resolved config runs again into a scratch store and gives
the same numbers (CPU, count budgets), even beside a busy CPU loop."""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from sfmbench.cli import main
from sfmbench.config import make_job
from sfmbench.errors import ConfigError
from sfmbench.rerun import job_from_config, rerun
from sfmbench.runner import RunSettings, run_job
from sfmbench.store import Store, default_url

TS_TASK = "generated/ts-seasonal-24"
DNA_TASK = "generated/dna-motif-tiny"


@contextmanager
def busy_cpu() -> Iterator[None]:
    """A second process spinning on the CPU for the duration of the block."""
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        proc.kill()
        proc.wait()


def _stored(tmp_path, task: str, model: str, **model_overrides):
    store = Store(default_url())
    job = make_job(task, model, seed=0, budget="smoke", model_overrides=model_overrides)
    row = run_job(job, store, RunSettings(run_dir=tmp_path / "runs", show_progress=False,
                                          device="cpu"))
    assert row.status == "ok", row.error
    return store, row


@pytest.mark.parametrize("task,model", [(TS_TASK, "autoar"), (TS_TASK, "dlinear"),
                                        (DNA_TASK, "kmer-logreg")])
def test_reruns_are_exact(tmp_path, task, model):
    store, row = _stored(tmp_path, task, model)
    report = rerun(store, row.job_key, tmp_path / "scratch")
    assert report.new.job_key == row.job_key and report.new.status == "ok"
    assert report.identical, [(c.name, c.stored, c.new) for c in report.comparisons
                              if not c.same]
    names = {c.name for c in report.comparisons}
    assert {f"metric {m}" for m in row.metrics} <= names and "hyperparameters" in names
    assert len(Store(default_url()).rows()) == 1        # the scratch run stored elsewhere


def test_dasha_reruns_exactly_beside_a_busy_cpu(tmp_path, one_torch_thread):
    """Count budgets: the same job key gives the same trials, choices and metric under load."""
    store, row = _stored(tmp_path, DNA_TASK, "dasha")
    assert row.n_trials == 3 and not row.truncated and row.train_samples == row.n_train
    with busy_cpu():
        report = rerun(store, row.job_key, tmp_path / "scratch")
    assert report.identical, [(c.name, c.stored, c.new) for c in report.comparisons
                              if not c.same]
    assert report.new.hyperparameters == row.hyperparameters
    assert report.new.architecture == row.architecture
    assert (report.new.n_trials, report.new.epochs) == (row.n_trials, row.epochs)
    assert report.new.metrics == row.metrics


def test_a_changed_result_is_reported(tmp_path):
    """The comparison can fail: a tampered stored metric shows up as a difference."""
    store, row = _stored(tmp_path, TS_TASK, "dlinear")
    from sfmbench.store import results_table
    metrics = {**row.metrics, "mse": row.metrics["mse"] + 1.0}
    with store.engine.begin() as conn:
        conn.execute(results_table.update().values(metrics=metrics))
    report = rerun(store, row.job_key, tmp_path / "scratch")
    assert not report.identical
    assert [c.name for c in report.comparisons if not c.same] == ["metric mse"]


def test_rerun_cli_prints_stored_and_new_values(tmp_path, capsys):
    _, row = _stored(tmp_path, TS_TASK, "autoar")
    assert main(["rerun", row.job_key, "--scratch", str(tmp_path / "s"), "-q"]) == 0
    captured = capsys.readouterr()
    out = " ".join((captured.out + captured.err).split())
    assert "metric mse" in out and "identical" in out and row.job_key in out
    assert "differs" not in out
    assert main(["rerun", "0000000000000000"]) == 2
    captured = capsys.readouterr()
    assert "no stored row has job key" in " ".join((captured.out + captured.err).split())


def test_a_config_that_is_not_a_job_is_refused():
    with pytest.raises(ConfigError, match="stored config lacks"):
        job_from_config({"task": {"name": "x"}})


def test_results_wide_shows_what_each_row_chose_and_did(tmp_path, capsys):
    import csv
    import io
    import json

    _, stored = _stored(tmp_path, DNA_TASK, "kmer-logreg")
    assert main(["results", "--format", "csv"]) == 0
    narrow = next(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert narrow["truncated"] == "False" and "hyperparameters" not in narrow
    assert main(["results", "--wide", "--format", "csv"]) == 0
    (row,) = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    for column in ("budget", "recipe", "n_trials", "epochs", "train_samples", "truncated",
                   "hyperparameters", "architecture", "tune_seconds", "stage_seconds"):
        assert column in row, column
    assert row["budget"] == "smoke" and row["truncated"] == "False"
    assert int(row["n_trials"]) == stored.n_trials and int(row["train_samples"]) == 200
    assert set(json.loads(row["hyperparameters"])) == {"k", "C"}
    assert float(row["tune_seconds"]) > 0 and "tune" in json.loads(row["stage_seconds"])
    assert main(["results", "--wide"]) == 0                    # the table view works too
    assert "hyperparameters" in capsys.readouterr().out


def test_a_row_on_a_changed_user_file_is_not_rerun(tmp_path):
    """A user CSV is part of the job's identity: once its bytes change, rerun refuses."""
    import numpy as np
    import pandas as pd

    path = tmp_path / "mine.csv"
    rows = 400
    t = np.arange(rows)
    frame = pd.DataFrame({"date": pd.date_range("2020-01-01", periods=rows, freq="h"),
                          "a": np.sin(2 * np.pi * t / 24), "b": np.cos(2 * np.pi * t / 24)})
    frame.to_csv(path, index=False)
    store = Store(f"sqlite:///{tmp_path / 'runs.db'}")
    job = make_job("ltsf/csv", "last-value", budget="smoke",
                   task_overrides={"path": str(path), "horizon": 12, "lookback": 24})
    row = run_job(job, store, RunSettings(run_dir=tmp_path / "runs", show_progress=False,
                                          device="cpu"))
    assert row.status == "ok", row.error
    assert rerun(store, row.job_key, tmp_path / "same").identical
    frame.loc[rows - 10:, "a"] += 1.0
    frame.to_csv(path, index=False)
    with pytest.raises(ConfigError, match="changed since the row was stored"):
        rerun(store, row.job_key, tmp_path / "scratch")

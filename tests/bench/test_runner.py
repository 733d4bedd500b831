"""The harness: one job from task to stored row."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sfmbench import ForecastInputs, create_task
from sfmbench.config import make_job
from sfmbench.runner import RunSettings, run_job
from sfmbench.store import Store

from .toy import MeanForecaster

pytestmark = pytest.mark.usefixtures("toy_registry")


def _store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'r.db'}")


def test_forecast_job_stores_complete_row(tmp_path: Path) -> None:
    store = _store(tmp_path)
    job = make_job("toy/forecast", "toy-mean", seed=3, budget="smoke")
    row = run_job(job, store, RunSettings(run_dir=tmp_path))
    assert row.status == "ok", row.error
    (stored,) = store.rows()
    assert stored["job_key"] == job.key and stored["seed"] == 3
    assert stored["primary_metric"] == "mse" and stored["higher_is_better"] is False
    assert set(stored["metrics"]) == {"mse", "mae"}
    assert stored["n_test"] == 80 - 4 + 1
    assert stored["peak_memory_mb"] > 10 and stored["total_seconds"] > 0
    assert stored["library_versions"]["numpy"] == np.__version__
    assert stored["config"]["task"]["name"] == "toy/forecast"
    preds = np.load(stored["predictions_path"])
    assert preds.shape == (77, 4, 2)


def test_metric_matches_direct_computation(tmp_path: Path) -> None:
    row = run_job(make_job("toy/forecast", "toy-mean", budget="smoke"), _store(tmp_path),
                  RunSettings(run_dir=tmp_path))
    data = create_task("toy/forecast").load()
    lb = data.test.inputs.lookbacks()
    pred = np.repeat(lb.mean(1, keepdims=True), 4, axis=1)
    truth = data.test.targets.targets()
    assert row.metrics["mse"] == pytest.approx(float(((pred - truth) ** 2).mean()), rel=1e-5)
    assert row.metrics["mae"] == pytest.approx(float(np.abs(pred - truth).mean()), rel=1e-5)


def test_method_never_receives_targets_of_the_windows_it_forecasts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each predict() call gets windows at least lookback + horizon apart: none of the rows it
    sees is a target of a window it forecasts; the last `horizon` rows are never shown at all."""
    import sfmbench.runner as runner
    monkeypatch.setattr(runner, "CHUNK_VALUES", 20 * 2 * 3)  # force small groups too
    MeanForecaster.seen.clear()
    row = run_job(make_job("toy/forecast", "toy-mean", budget="smoke"), _store(tmp_path),
                  RunSettings(run_dir=tmp_path))
    assert row.status == "ok", row.error
    calls = MeanForecaster.seen
    assert all(isinstance(i, ForecastInputs) and not hasattr(i, "targets") for i in calls)
    origins = np.concatenate([c.origins for c in calls])
    assert sorted(origins.tolist()) == list(range(320, 397))  # every test window exactly once
    for c in calls:
        shown = {int(o) - k for o in c.origins for k in range(1, c.lookback + 1)}
        targets = {int(o) + k for o in c.origins for k in range(c.horizon)}
        assert not shown & targets
        assert c.windows.base is None or c.windows.base.size == c.windows.size  # no view
    assert max(int(o) - 1 for o in origins) < 396  # rows 396..399 (the last horizon) never shown
    preds = np.load(row.predictions_path)  # saved in window order
    data = create_task("toy/forecast").load()
    np.testing.assert_allclose(preds[5], data.test.inputs.windows[5].mean(0)[None].repeat(4, 0),
                               rtol=1e-5)


def test_failing_method_is_stored_with_reason(tmp_path: Path) -> None:
    store = _store(tmp_path)
    job = make_job("toy/forecast", "toy-mean", budget="smoke", model_overrides={"fail": True})
    row = run_job(job, store, RunSettings(run_dir=tmp_path))
    assert row.status == "failed"
    assert "boom" in row.error and "RuntimeError" in row.error
    assert store.rows()[0]["status"] == "failed" and not store.has_ok(job.key)


def test_unsupported_problem_fails_clearly(tmp_path: Path) -> None:
    row = run_job(make_job("toy/classes", "toy-mean", budget="smoke"), _store(tmp_path),
                  RunSettings(run_dir=tmp_path))
    assert row.status == "failed" and "does not support classification" in row.error


def test_classification_scores(tmp_path: Path) -> None:
    row = run_job(make_job("toy/classes", "toy-centroid", budget="smoke"), _store(tmp_path),
                  RunSettings(run_dir=tmp_path))
    assert row.status == "ok", row.error
    assert row.metrics["mcc"] > 0.5 and 0.7 < row.metrics["accuracy"] <= 1


def test_missing_optional_dependency_says_which_extra(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(self, train, val):  # noqa: ANN001
        import sfmbench_no_such_optional_module  # noqa: F401
    monkeypatch.setattr(MeanForecaster, "fit", boom)
    row = run_job(make_job("toy/forecast", "toy-mean", budget="smoke"), _store(tmp_path),
                  RunSettings(run_dir=tmp_path))
    assert row.status == "failed"
    assert "missing optional dependency 'sfmbench_no_such_optional_module'" in row.error
    assert "pip install 'sfmbench[" in row.error

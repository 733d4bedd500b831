"""DASHA end to end at the smoke budget, its fairness (test labels change nothing), bad input."""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from sfmbench import METHODS, TASKS, ArrayInputs, ArraySplit, HeldOut, RunContext, TaskData
from sfmbench.config import make_job
from sfmbench.runner import RunSettings, run_job
from sfmbench.store import Store
from sfmbench.errors import ConfigError, DataError
from sfmbench.metrics import compute_metrics

from dasha_testdata import MotifTask, budget_params, motif_spec, motif_split

LENGTH = 40


def _task() -> TaskData:
    test = motif_split(200, LENGTH, 2)
    return TaskData(motif_split(600, LENGTH, 0), motif_split(200, LENGTH, 1),
                    HeldOut(test.inputs, test.y))


def _fit_predict(data: TaskData, name: str = "dasha", seed: int = 0, **overrides):
    """What the harness does: fit on train/val, predict test inputs (labels stay here)."""
    ctx = RunContext(seed=seed, budget="smoke", device="cpu", show_progress=False)
    method = METHODS.get(name)(motif_spec(LENGTH), {**budget_params("smoke", name), **overrides},
                               ctx)
    report = method.fit(data.train, data.val)
    return method, report, method.predict(data.test.inputs)


def test_dasha_smoke_learns_the_motif():
    data = _task()
    method, report, preds = _fit_predict(data)
    assert preds.shape == (200, 2) and np.allclose(preds.sum(1), 1, atol=1e-5)
    mcc = compute_metrics(motif_spec(LENGTH), preds, data.test.targets)["mcc"]
    assert mcc > 0.3, report
    layers = report.architecture["layers"]
    assert report.architecture["searched"] and len(layers) == 9
    assert all(k in (3, 5) and d in (1, 3) for k, d in layers)
    assert set(report.stage_seconds) == {"search", "tune", "retrain"}
    assert report.n_trials == 3 and report.epochs == 3
    assert report.extra["hpo_epochs_run"] <= report.extra["hpo_epochs_full_budget"] == 6
    assert {"lr", "dropout", "weight_decay", "momentum", "seed"} <= set(report.hyperparameters)
    assert report.best_val_metric == max(report.extra["val_scores"])
    trainable, total = method.parameter_count()
    assert 0 < trainable == total


@pytest.fixture
def motif_task() -> Iterator[str]:
    name = "generated/dasha-motif-test"
    TASKS.register(name, MotifTask, domain="generated", problem="classification")
    yield name
    TASKS.unregister(name)


CHOICES = ("status", "hyperparameters", "architecture", "best_val_metric", "n_trials", "epochs")


def test_test_labels_change_nothing_dasha_chooses(motif_task, tmp_path):
    """Through the real harness: shuffled test labels move the test metric, not DASHA."""
    store = Store(f"sqlite:///{tmp_path / 'runs.db'}")
    settings = RunSettings(run_dir=tmp_path, show_progress=False, device="cpu")
    rows = [run_job(make_job(motif_task, "dasha", seed=seed, budget="smoke",
                             task_overrides={"shuffle_test_labels": shuffle}), store, settings)
            for seed, shuffle in ((0, False), (0, True), (1, False))]
    same, shuffled, other_seed = rows
    assert same.status == "ok", same.error
    assert same.job_key != shuffled.job_key                       # two separate jobs and studies
    assert same.best_val_metric > 0.3                               # it learns (validation)
    assert same.metrics["mcc"] != shuffled.metrics["mcc"]           # test labels only score
    for field in CHOICES:
        assert getattr(same, field) == getattr(shuffled, field), field
    assert same.architecture["searched"] and len(same.architecture["layers"]) == 9
    np.testing.assert_array_equal(np.load(same.predictions_path),
                                  np.load(shuffled.predictions_path))
    # the comparison can fail: another seed does change what DASHA chooses
    assert any(getattr(same, f) != getattr(other_seed, f) for f in CHOICES)


def test_plain_resnet1d_baseline():
    data = _task()
    _, report, preds = _fit_predict(data, "resnet1d", width=8, retrain_epochs=2)
    assert report.architecture["searched"] is False and report.n_trials == 0
    assert report.stage_seconds["search"] < 0.1 and preds.shape == (200, 2)


def test_search_only_and_wrn_on_images():
    from sfmbench import ProblemType, TaskSpec
    spec = TaskSpec(name="generated/img", domain="satellite", problem=ProblemType.MULTILABEL,
                    input_shape=(3, 8, 8), primary_metric="map_macro", higher_is_better=True,
                    metrics=("map_macro",), num_classes=3)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3, 8, 8)).astype(np.float32)
    y = (x.mean((2, 3)) > 0).astype(np.int64)
    ctx = RunContext(seed=0, device="cpu", show_progress=False)
    method = METHODS.get("dasha")(spec, {**budget_params("smoke"), "depth": 10, "width": 1,
                                         "tune": False, "retrain_epochs": 1}, ctx)
    report = method.fit(ArraySplit(x, y), ArraySplit(x[:16], y[:16]))
    assert report.architecture["backbone"] == "wrn" and len(report.architecture["layers"]) == 7
    preds = method.predict(ArrayInputs(x[:5]))
    assert preds.shape == (5, 3) and ((preds >= 0) & (preds <= 1)).all()


def test_bad_inputs():
    data = _task()
    ctx = RunContext(seed=0, device="cpu", show_progress=False)
    method = METHODS.get("dasha")(motif_spec(LENGTH), budget_params("smoke"), ctx)
    with pytest.raises(ConfigError, match="before fit"):
        method.predict(data.test.inputs)
    wrong = ArraySplit(data.train.x[:, :, :30], data.train.y)
    with pytest.raises(DataError, match="task declares"):
        method.fit(wrong, data.val)
    with pytest.raises(DataError, match="array data"):
        method.fit(data.train, object())


def test_yaml_budgets_are_complete():
    for budget in ("smoke", "cpu", "paper"):
        params = budget_params(budget)
        assert set(params) <= set(METHODS.get("dasha").defaults), budget
    paper = budget_params("paper")
    assert (paper["n_trials"], paper["hpo_epochs"], paper["retrain_epochs"]) == (120, 20, 200)

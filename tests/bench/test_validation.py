"""Predictions are checked like data before scoring; bad task data never reaches a method."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from sfmbench import (METHODS, TASKS, ArrayInputs, ArraySplit, HeldOut, Method, ProblemType,
                      Task, TaskData, TaskSpec)
from sfmbench.config import make_job
from sfmbench.errors import DataError
from sfmbench.runner import RunSettings, run_job
from sfmbench.specs import TaskSpec as Spec
from sfmbench.store import Store
from sfmbench.validation import validate_predictions, validate_task_data


class FaultyClassifier(Method):
    """Returns predictions of a deliberately wrong kind (``mode``)."""

    problems = frozenset({ProblemType.CLASSIFICATION})
    defaults: dict[str, Any] = {"mode": "ok"}

    def fit(self, train: ArraySplit, val: ArraySplit) -> None:
        self.k = self.spec.num_classes

    def predict(self, inputs: ArrayInputs) -> np.ndarray:
        n, k = len(inputs), self.k
        scores = np.tile(np.eye(k)[0], (n, 1))
        return {"ok": scores, "extra-class": np.tile(np.eye(k + 1)[0], (n, 1)),
                "nan": np.full((n, k), np.nan), "labels-out-of-range": np.full(n, k + 3),
                "wrong-rank": scores[:, :, None], "fractional": np.full(n, 0.5),
                "strings": np.array(["a"] * n)}[self.params["mode"]]


class TinyClasses(Task):
    """Two separable classes; ``empty_test`` empties the test split."""

    defaults = {"empty_test": False}

    @property
    def spec(self) -> TaskSpec:
        return Spec(name=self.name, domain="generated", problem=ProblemType.CLASSIFICATION,
                    input_shape=(1, 4), num_classes=2, primary_metric="mcc",
                    higher_is_better=True, metrics=("mcc", "accuracy"))

    def load(self) -> TaskData:
        y = np.arange(40) % 2
        x = (y[:, None, None] + np.zeros((40, 1, 4))).astype(np.float32)
        test = slice(0, 0) if self.params["empty_test"] else slice(30, 40)
        return TaskData(train=ArraySplit(x[:20], y[:20]), val=ArraySplit(x[20:30], y[20:30]),
                        test=HeldOut(ArrayInputs(x[test]), y[test]))


@pytest.fixture
def faulty() -> Iterator[None]:
    METHODS.register("faulty-classifier", FaultyClassifier, source="tests")
    TASKS.register("tests/tiny-classes", TinyClasses, source="tests")
    yield
    METHODS.unregister("faulty-classifier")
    TASKS.unregister("tests/tiny-classes")


def _run(tmp_path, mode: str = "ok", **task: Any) -> dict[str, Any]:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    job = make_job("tests/tiny-classes", "faulty-classifier", 0, "smoke", task, {"mode": mode})
    run_job(job, store, RunSettings(run_dir=tmp_path, show_progress=False))
    (row,) = [r for r in store.rows(latest=False) if r["job_key"] == job.key]
    return row


@pytest.mark.parametrize("mode, expected, actual", [
    ("extra-class", "shape (10, 2) scores for 2 classes", "shape (10, 3)"),
    ("nan", "finite values", "nan"),
    ("labels-out-of-range", "class labels in [0, 2)", "labels from 5 to 5"),
    ("wrong-rank", "shape (10, 2)", "shape (10, 2, 1)"),
    ("fractional", "integer class labels", "fractional values"),
    ("strings", "a numeric array", "dtype <U1"),
])
def test_bad_predictions_are_stored_as_failed_rows(faulty, tmp_path, mode, expected, actual):
    row = _run(tmp_path, mode)
    assert row["status"] == "failed" and row["metrics"] in (None, {})
    assert row["error"].startswith("DataError: model 'faulty-classifier' returned invalid")
    assert expected in row["error"] and actual in row["error"]


def test_good_predictions_still_score(faulty, tmp_path):
    row = _run(tmp_path, "ok")
    assert row["status"] == "ok" and row["metrics"]["accuracy"] == 0.5


def test_empty_test_split_is_a_failed_row_not_zeros(faulty, tmp_path):
    row = _run(tmp_path, "ok", empty_test=True)
    assert row["status"] == "failed" and "empty test split" in row["error"]


def _spec(problem: ProblemType, k: int | None = 3) -> TaskSpec:
    return Spec(name="t", domain="x", problem=problem, input_shape=(1,), num_classes=k,
                primary_metric="mse", higher_is_better=False, metrics=("mse",))


def test_validate_predictions_per_problem_type():
    seg = _spec(ProblemType.SEGMENTATION)
    truth = np.zeros((2, 4, 4), int)
    validate_predictions(seg, np.zeros((2, 3, 4, 4)), truth, 2)
    validate_predictions(seg, np.full((2, 4, 4), 2), truth, 2)
    with pytest.raises(DataError, match=r"shape \(2, 3, 4, 4\) scores"):
        validate_predictions(seg, np.zeros((2, 4, 4, 4)), truth, 2, method="m")
    with pytest.raises(DataError, match=r"labels in \[0, 3\)"):
        validate_predictions(seg, np.full((2, 4, 4), 3), truth, 2)
    ml = _spec(ProblemType.MULTILABEL)
    with pytest.raises(DataError, match=r"expected shape \(2, 3\)"):
        validate_predictions(ml, np.zeros((2, 4)), np.zeros((2, 3)), 2)
    fc = _spec(ProblemType.FORECASTING, None)
    with pytest.raises(DataError, match="finite values"):
        validate_predictions(fc, np.full((2, 4, 1), np.inf), np.zeros((2, 4, 1)), 2)
    with pytest.raises(DataError, match="3 predictions"):
        validate_predictions(fc, np.zeros((3, 4, 1)), np.zeros((2, 4, 1)), 2)
    reg = _spec(ProblemType.REGRESSION, None)
    with pytest.raises(DataError, match=r"expected shape \(2,\)"):
        validate_predictions(reg, np.zeros((2, 1)), np.zeros(2), 2)


def test_validate_task_data_rejects_bad_labels_and_values():
    spec = _spec(ProblemType.CLASSIFICATION, 2)
    x = np.zeros((4, 1, 2), np.float32)

    def data(y_train, x_train=x) -> TaskData:
        return TaskData(train=ArraySplit(x_train, np.asarray(y_train)),
                        val=ArraySplit(x, np.array([0, 1, 0, 1])),
                        test=HeldOut(ArrayInputs(x), np.array([0, 1, 0, 1])))

    validate_task_data(spec, data([0, 1, 0, 1]), "t")
    with pytest.raises(DataError, match="single class"):
        validate_task_data(spec, data([1, 1, 1, 1]), "t")
    with pytest.raises(DataError, match=r"range from 0 to 7"):
        validate_task_data(spec, data([0, 7, 0, 1]), "t")
    bad = x.copy()
    bad[0, 0, 0] = np.inf
    with pytest.raises(DataError, match="non-finite"):
        validate_task_data(spec, data([0, 1, 0, 1], bad), "t")

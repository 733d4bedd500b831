"""Small, real tasks and methods for engine tests (registered by the ``toy_registry`` fixture)."""
from __future__ import annotations

from typing import Any

import numpy as np

from sfmbench import (ArrayInputs, ArraySplit, FitReport, ForecastInputs, ForecastTargets,
                      HeldOut, Method, ProblemType, SeriesSplit, Task, TaskData, TaskSpec)


class ToyForecastTask(Task):
    """A noisy sine in 2 channels; lookback 16, horizon 4."""

    defaults = {"rows": 400, "lookback": 16, "horizon": 4, "seed": 0, "test_offset": 0.0}

    @property
    def spec(self) -> TaskSpec:
        c = self.params
        return TaskSpec(name=self.name, domain="generated", problem=ProblemType.FORECASTING,
                        input_shape=(c["lookback"], 2), primary_metric="mse",
                        higher_is_better=False, metrics=("mse", "mae"), horizon=c["horizon"],
                        lookback=c["lookback"])

    def load(self) -> TaskData:
        c = self.params
        n, L, H = c["rows"], c["lookback"], c["horizon"]
        rng = np.random.default_rng(c["seed"])
        t = np.arange(n)
        v = np.stack([np.sin(t / 5), np.cos(t / 7)], 1) + 0.1 * rng.standard_normal((n, 2))
        v = v.astype(np.float32)
        a, b = int(0.6 * n), int(0.8 * n)
        v[b:] += c["test_offset"]
        return TaskData(
            train=SeriesSplit(v[:a], 0, 0, L, H),
            val=SeriesSplit(v[a - L:b], a - L, a, L, H),
            test=HeldOut(ForecastInputs.from_history(v[b - L:n - H], b, L, H), ForecastTargets(v[b:], H)))


class ToyClassTask(Task):
    """Two Gaussian blobs in (N, 1, 8) inputs."""

    defaults = {"n": 300, "seed": 0}

    @property
    def spec(self) -> TaskSpec:
        return TaskSpec(name=self.name, domain="generated", problem=ProblemType.CLASSIFICATION,
                        input_shape=(1, 8), num_classes=2, primary_metric="mcc",
                        higher_is_better=True, metrics=("mcc", "accuracy", "f1"))

    def load(self) -> TaskData:
        rng = np.random.default_rng(self.params["seed"])
        n = self.params["n"]
        y = rng.integers(0, 2, n)
        x = (rng.standard_normal((n, 1, 8)) + y[:, None, None] * 1.5).astype(np.float32)
        a, b = int(0.6 * n), int(0.8 * n)
        return TaskData(train=ArraySplit(x[:a], y[:a]), val=ArraySplit(x[a:b], y[a:b]),
                        test=HeldOut(ArrayInputs(x[b:]), y[b:]))


class MeanForecaster(Method):
    """Forecasts the lookback mean; records what it was given."""

    problems = frozenset({ProblemType.FORECASTING})
    defaults: dict[str, Any] = {"fail": False, "sleep": 0.0}
    seen: list[Any] = []

    def fit(self, train: SeriesSplit, val: SeriesSplit) -> FitReport:
        if self.params["fail"]:
            raise RuntimeError("boom: this toy method fails on purpose")
        if self.params["sleep"]:
            import time
            time.sleep(self.params["sleep"])
        return FitReport(best_val_metric=0.5, hyperparameters={"kind": "mean"})

    def predict(self, inputs: ForecastInputs) -> np.ndarray:
        type(self).seen.append(inputs)
        lb = inputs.lookbacks()
        return np.repeat(lb.mean(1, keepdims=True), inputs.horizon, axis=1)


class CentroidClassifier(Method):
    """Nearest class centroid; a tuned baseline for leaderboard tests."""

    problems = frozenset({ProblemType.CLASSIFICATION})
    tuned = True

    def fit(self, train: ArraySplit, val: ArraySplit) -> FitReport:
        x = train.x.reshape(len(train), -1)
        self.centroids = np.stack([x[train.y == k].mean(0) for k in (0, 1)])
        return FitReport()

    def predict(self, inputs: ArrayInputs) -> np.ndarray:
        x = inputs.x.reshape(len(inputs), -1)
        d = ((x[:, None, :] - self.centroids[None]) ** 2).sum(-1)
        return -d


def register(registry_tasks: Any, registry_methods: Any) -> None:
    registry_tasks.register("toy/forecast", ToyForecastTask, overwrite=True, domain="generated",
                            problem="forecasting")
    registry_tasks.register("toy/classes", ToyClassTask, overwrite=True, domain="generated",
                            problem="classification")
    registry_methods.register("toy-mean", MeanForecaster, overwrite=True)
    registry_methods.register("toy-centroid", CentroidClassifier, overwrite=True)

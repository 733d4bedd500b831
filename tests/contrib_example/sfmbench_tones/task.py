"""A generated task: which of ``n_classes`` frequencies does a noisy sine have?"""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from sfmbench.data import ArraySplit, HeldOut, TaskData
from sfmbench.specs import ProblemType, TaskSpec
from sfmbench.task import Task

LENGTH = 64


class ToneTask(Task):
    """Sines at frequencies 1..n_classes cycles per window, random phase, Gaussian noise."""

    defaults: ClassVar[dict[str, Any]] = {"n_classes": 3, "noise": 1.0, "n_train": 300,
                                        "n_val": 100, "n_test": 100, "data_seed": 0}

    @property
    def spec(self) -> TaskSpec:
        return TaskSpec(name=self.name, domain="signals", problem=ProblemType.CLASSIFICATION,
                        input_shape=(1, LENGTH), primary_metric="accuracy",
                        higher_is_better=True, metrics=("accuracy", "mcc"),
                        num_classes=int(self.params["n_classes"]),
                        splits="generated: n_train / n_val / n_test independent draws",
                        source="generated", license="CC0",
                        extra={"modality": "signals"})

    def _draw(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, int(self.params["n_classes"]), n)
        t = np.arange(LENGTH) / LENGTH
        phase = rng.uniform(0, 2 * np.pi, (n, 1))
        x = np.sin(2 * np.pi * (y[:, None] + 1) * t + phase)
        x = x + float(self.params["noise"]) * rng.standard_normal((n, LENGTH))
        return x[:, None, :].astype(np.float32), y.astype(np.int64)

    def load(self) -> TaskData:
        rng = np.random.default_rng(int(self.params["data_seed"]))
        train = ArraySplit(*self._draw(int(self.params["n_train"]), rng))
        val = ArraySplit(*self._draw(int(self.params["n_val"]), rng))
        x_test, y_test = self._draw(int(self.params["n_test"]), rng)
        return TaskData(train, val, HeldOut(ArraySplit(x_test, y_test).inputs, y_test))

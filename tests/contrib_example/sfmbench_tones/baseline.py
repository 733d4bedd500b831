"""A reference baseline: nearest class centroid of the magnitude spectrum."""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from sfmbench.data import ArrayInputs, ArraySplit
from sfmbench.method import FitReport, Method
from sfmbench.metrics import score
from sfmbench.specs import ProblemType


class SpectralCentroid(Method):
    """Scores each class by minus the distance of a sample's |FFT| to the class's mean |FFT|."""

    kind: ClassVar[str] = "baseline"
    tuned: ClassVar[bool] = False
    deterministic: ClassVar[bool] = True
    problems: ClassVar[frozenset[ProblemType]] = frozenset({ProblemType.CLASSIFICATION})
    defaults: ClassVar[dict[str, Any]] = {"log_magnitude": False}

    def _features(self, x: np.ndarray) -> np.ndarray:
        mag = np.abs(np.fft.rfft(x.reshape(len(x), -1), axis=1))
        return np.log1p(mag) if self.params["log_magnitude"] else mag

    def fit(self, train: ArraySplit, val: ArraySplit) -> FitReport:
        feats = self._features(train.x)
        k = int(self.spec.num_classes or 0)
        self.centroids = np.stack([feats[train.y == c].mean(axis=0) for c in range(k)])
        val_score = score(self.spec, self.predict(val.inputs), val.y)
        return FitReport(best_val_metric=val_score)

    def predict(self, inputs: ArrayInputs) -> np.ndarray:
        feats = self._features(inputs.x)
        dist = ((feats[:, None, :] - self.centroids[None]) ** 2).sum(axis=2)
        scores = -dist
        scores -= scores.max(axis=1, keepdims=True)
        probs = np.exp(scores)
        return probs / probs.sum(axis=1, keepdims=True)

"""``kmer-logreg``: k-mer count profile + logistic regression, a cheap genomics reference.

Features are the frequencies of the overlapping k-mers of each sequence, counted straight from
the one-hot input ``(N, 5, L)`` (channels A, C, G, T, N; all-zero positions are padding and are
skipped) into a sparse matrix, then L2-normalized per sequence. ``k`` and the inverse
regularization ``C`` are chosen on the validation split with a grid search through
:func:`sfmbench.tuning.optimize`; the chosen model is the one fitted on train. Not a tuned
deep baseline: a floor that any FM or network should clear.
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import optuna
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from sfmbench.codecs.dna import ALPHABET
from sfmbench.data import TestInputs, TrainData, array_inputs, array_split
from sfmbench.errors import ConfigError, DataError
from sfmbench.method import FitReport, Method
from sfmbench.metrics import score
from sfmbench.params import MethodParams, param
from sfmbench.specs import ProblemType
from sfmbench.tuning import best_trial, optimize

if TYPE_CHECKING:
    from sfmbench.context import RunContext
    from sfmbench.specs import TaskSpec

_ALPHABET = len(ALPHABET)  # A, C, G, T, N


def kmer_features(x: np.ndarray, k: int) -> sp.csr_matrix:
    """Row-normalized counts of the ``5**k`` possible k-mers of one-hot sequences ``(N, 5, L)``.

    A k-mer counts only if all its positions are real bases (not padding).
    """
    if x.ndim != 3 or x.shape[1] != _ALPHABET:
        raise DataError(f"kmer-logreg expects one-hot DNA of shape (N, 5, L), got {x.shape}",
                        "use it on genomics tasks (channels A, C, G, T, N)")
    n, _, length = x.shape
    if k > length:
        raise ConfigError(f"k={k} exceeds the sequence length {length}", "lower the k grid")
    present = x.any(axis=1)                                   # (N, L)
    codes = x.argmax(axis=1).astype(np.int64)                 # (N, L)
    windows = length - k + 1
    index = np.zeros((n, windows), dtype=np.int64)
    valid = np.ones((n, windows), dtype=bool)
    for j in range(k):
        index = index * _ALPHABET + codes[:, j:j + windows]
        valid &= present[:, j:j + windows]
    rows = np.broadcast_to(np.arange(n)[:, None], index.shape)[valid]
    counts = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, index[valid])),
                           shape=(n, _ALPHABET ** k))
    counts.sum_duplicates()
    return normalize(counts)


@dataclass
class KmerParams(MethodParams):
    """The (k, C) grid searched on validation."""

    k_grid: list[int] = param([3, 4, 5, 6], "k-mer lengths searched")
    C_grid: list[float] = param([0.01, 0.1, 1.0, 10.0], "inverse L2 strengths C searched")
    max_iter: int = param(1000, "lbfgs iterations per fit")


class KmerLogReg(Method):
    """k-mer frequency profile + logistic regression, k and C picked on validation."""

    description: ClassVar[str] = (
        "k-mer frequency profile + logistic regression (k and C picked on validation)"
    )

    kind: ClassVar[str] = "baseline"
    #: a floor, not a tuned baseline: its small (k, C) grid on validation makes it a fair floor
    tuned: ClassVar[bool] = False
    deterministic: ClassVar[bool] = True   # lbfgs over a full (k, C) grid: no seed
    problems: ClassVar[frozenset[ProblemType]] = frozenset({ProblemType.CLASSIFICATION})
    domains: ClassVar[frozenset[str]] = frozenset({"genomics"})
    Params: ClassVar[type[MethodParams]] = KmerParams
    params: KmerParams

    def __init__(self, spec: TaskSpec, params: Mapping[str, Any], ctx: RunContext) -> None:
        super().__init__(spec, params, ctx)
        self.model: LogisticRegression | None = None
        self.k: int | None = None

    def fit(self, train: TrainData, val: TrainData) -> FitReport:
        train, val = array_split(train, "kmer-logreg", "train"), array_split(val, "kmer-logreg",
                                                                             "validation")
        k_grid = [int(k) for k in self.params.k_grid]
        c_grid = [float(c) for c in self.params.C_grid]
        if not k_grid or not c_grid:
            raise ConfigError("kmer-logreg needs non-empty k_grid and C_grid",
                              "e.g. model.k_grid=[3,4,5] model.C_grid=[0.1,1.0]")
        features: dict[int, tuple[sp.csr_matrix, sp.csr_matrix]] = {}
        models: dict[tuple[int, float], LogisticRegression] = {}

        def feats(k: int) -> tuple[sp.csr_matrix, sp.csr_matrix]:
            if k not in features:
                features[k] = (kmer_features(train.x, k), kmer_features(val.x, k))
            return features[k]

        def fit_one(k: int, c: float) -> LogisticRegression:
            if (k, c) not in models:
                model = LogisticRegression(C=c, max_iter=int(self.params.max_iter),
                                           random_state=self.ctx.seed)
                models[(k, c)] = model.fit(feats(k)[0], train.y)
            return models[(k, c)]

        def objective(trial: optuna.Trial) -> float:
            k = trial.suggest_categorical("k", k_grid)
            c = trial.suggest_categorical("C", c_grid)
            probs = self._full_proba(fit_one(k, c), feats(k)[1])
            return score(self.spec, probs, val.y)

        start = time.perf_counter()
        study = optimize(self.ctx, objective, n_trials=len(k_grid) * len(c_grid),
                         direction=self.spec.direction, stage="hpo", sampler="grid",
                         search_space={"k": k_grid, "C": c_grid})
        best = best_trial(study)
        self.k, c = int(best.params["k"]), float(best.params["C"])
        self.model = fit_one(self.k, c)  # refits only when the study was resumed from storage
        return FitReport(best_val_metric=float(best.value),
                         hyperparameters={"k": self.k, "C": c},
                         n_trials=len(study.trials),
                         stage_seconds={"tune": time.perf_counter() - start},
                         tune_seconds=time.perf_counter() - start)

    def _full_proba(self, model: LogisticRegression, feats: sp.csr_matrix) -> np.ndarray:
        """(N, K) probabilities, with zero columns for classes absent from train."""
        k = self.spec.num_classes or int(model.classes_.max()) + 1
        out = np.zeros((feats.shape[0], k), dtype=np.float64)
        out[:, model.classes_] = model.predict_proba(feats)
        return out

    def predict(self, inputs: TestInputs) -> np.ndarray:
        if self.model is None or self.k is None:
            raise RuntimeError("kmer-logreg: call fit() before predict()")
        x = array_inputs(inputs, "kmer-logreg").x
        return self._full_proba(self.model, kmer_features(x, self.k))

    def parameter_count(self) -> tuple[int | None, int | None]:
        if self.model is None:
            return None, None
        n = int(self.model.coef_.size + self.model.intercept_.size)
        return n, n

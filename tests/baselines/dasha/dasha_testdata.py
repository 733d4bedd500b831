"""Test data for the DASHA tests: a planted-motif DNA task (one-hot, 5 channels)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from sfmbench import ArraySplit, HeldOut, ProblemType, Task, TaskData, TaskSpec

MOTIF = "TATAAT"
CONF = Path(__file__).resolve().parents[3] / "conf" / "model" / "dasha.yaml"


def motif_split(n: int, length: int, seed: int) -> ArraySplit:
    """Random DNA; label 1 iff the motif was planted somewhere."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, 4, size=(n, length))
    y = rng.integers(0, 2, size=n)
    motif = np.array(["ATCG".index(c) for c in MOTIF])
    for i in np.flatnonzero(y):
        p = rng.integers(0, length - len(motif))
        idx[i, p:p + len(motif)] = motif
    x = np.zeros((n, 5, length), np.float32)
    x[np.arange(n)[:, None], idx, np.arange(length)[None]] = 1
    return ArraySplit(x, y.astype(np.int64))


def motif_spec(length: int = 40) -> TaskSpec:
    return TaskSpec(name="generated/motif", domain="generated",
                    problem=ProblemType.CLASSIFICATION, input_shape=(5, length),
                    primary_metric="mcc", higher_is_better=True, metrics=("mcc", "accuracy"),
                    num_classes=2, extra={"modality": "genomics"})


def budget_params(budget: str, model: str = "dasha") -> dict:
    """DASHA's params at ``budget`` as a job resolves them: the YAML, the budget's counts
    (conf/budget/NAME.yaml), the YAML's refinements for that budget (merged deeply)."""
    from sfmbench.config import model_config
    return model_config(model).resolved_params(budget)


class MotifTask(Task):
    """The planted-motif task as a registered Task; ``shuffle_test_labels`` permutes test y."""

    defaults = {"n_train": 600, "n_val": 200, "n_test": 200, "length": 40,
              "shuffle_test_labels": False}

    @property
    def spec(self) -> TaskSpec:
        return motif_spec(self.params["length"])

    def load(self) -> TaskData:
        c = self.params
        test = motif_split(c["n_test"], c["length"], 2)
        y = test.y
        if c["shuffle_test_labels"]:
            y = np.random.default_rng(9).permutation(y)
        return TaskData(motif_split(c["n_train"], c["length"], 0),
                        motif_split(c["n_val"], c["length"], 1), HeldOut(test.inputs, y))

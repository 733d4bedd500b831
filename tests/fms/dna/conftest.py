"""Tiny DNA checkpoints (written once per session) and a run harness for the DNA adapters."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sfmbench.config import make_job
from sfmbench.results import ResultRow
from sfmbench.runner import RunSettings, run_job
from sfmbench.store import Store
from tests.fms.dna.tiny_dna_models import (REMOTE_FAMILIES, write_nucleotide_transformer,
                                           write_remote_code_model)

#: a small generated motif task (2 classes, 50 bp)
TASK = "generated/dna-motif-tiny"
TASK_SIZE = {"n_train": 64, "n_val": 32, "n_test": 32}


@pytest.fixture(scope="session")
def dna_checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """family -> folder of a tiny checkpoint (NT native; the others ship their own code)."""
    root = tmp_path_factory.mktemp("tiny-dna")
    folders = {"nucleotide-transformer": write_nucleotide_transformer(root / "nt")}
    for family in REMOTE_FAMILIES:
        folders[family] = write_remote_code_model(root / family, family)
    return folders


@pytest.fixture
def run_dna(tmp_path: Path) -> Any:
    """``run_dna(model, **model_overrides) -> ResultRow`` on :data:`TASK` with the smoke budget
    (one trial of one epoch unless the overrides say otherwise)."""
    store = Store(f"sqlite:///{tmp_path / 'runs.db'}")

    def run(model: str, seed: int = 0, task_size: dict[str, int] | None = None,
            **overrides: Any) -> ResultRow:
        quick = {"n_trials": 1, "search_space": {"epochs": [1]}}
        job = make_job(TASK, model, seed=seed, budget="smoke",
                       task_overrides=task_size or TASK_SIZE,
                       model_overrides={**quick, **overrides})
        return run_job(job, store, RunSettings(run_dir=tmp_path, show_progress=False,
                                               device="cpu"))
    return run

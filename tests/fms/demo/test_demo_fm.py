"""demo-fm: a real (tiny) pretraining run, the save/load path, and a fine-tune through the
FoundationModel contract inside a real job."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from sfmbench.catalog import METHODS
from sfmbench.config import make_job
from sfmbench.fms.base import check_contract
from sfmbench.fms.demo.corpus import generate_corpus
from sfmbench.fms.demo.network import PatchConfig, from_pretrained
from sfmbench.fms.demo.pretrain import pretrain
from sfmbench.runner import RunSettings, run_job
from sfmbench.store import Store

TINY = PatchConfig(d_model=16, n_heads=2, n_layers=1, ff=32)


def tiny_checkpoint(folder: Path, steps: int = 30) -> Path:
    return pretrain(folder, n_series=16, length=256, context=64, steps=steps, batch_size=16,
                    mask_ratio=0.4, lr=3e-3, seed=0, config=TINY)


def test_corpus_is_seeded_and_standardized():
    a, b = generate_corpus(8, 300, seed=1), generate_corpus(8, 300, seed=1)
    assert np.array_equal(a, b) and not np.array_equal(a, generate_corpus(8, 300, seed=2))
    assert np.allclose(a.mean(1), 0, atol=1e-4) and np.allclose(a.std(1), 1, atol=1e-3)


def test_pretraining_learns_and_round_trips_through_a_folder(tmp_path):
    folder = tiny_checkpoint(tmp_path / "ckpt", steps=60)
    info = json.loads((folder / "config.json").read_text())["pretraining"]
    assert info["objective"].startswith("masked-patch") and info["steps"] == 60
    assert info["final_loss"] < 1.0          # better than predicting the window mean
    loaded = from_pretrained(folder)
    saved = torch.load(folder / "model.pt", weights_only=True)
    assert all(torch.equal(loaded.state_dict()[k], v) for k, v in saved.items())


def test_demo_fm_meets_the_contract_and_fine_tunes_in_a_job(tmp_path):
    cls = METHODS.get("demo-fm")
    assert cls.kind == "fm" and check_contract(cls) == []
    folder = tiny_checkpoint(tmp_path / "ckpt")
    job = make_job("generated/ts-ar-24", "demo-fm", 0, "smoke", {"rows": 800},
                   {"model_id": str(folder), "epochs": 1, "train_windows": 32,
                    "val_windows": 16, "search_space": {"learning_rate": [1e-3, 3e-3]},
                    "n_trials": 2})
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    row = run_job(job, store, RunSettings(run_dir=tmp_path, show_progress=False))
    assert row.status == "ok", row.error
    assert row.kind == "fm" and row.n_trials == 2 and np.isfinite(row.best_val_metric)
    assert row.hyperparameters["learning_rate"] in (1e-3, 3e-3)
    assert "generated series" in row.pretraining_data and row.params_total > 0

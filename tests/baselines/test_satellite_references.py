"""The plain image references (timm classifier, smp UNet) through the harness at smoke."""
from __future__ import annotations

import numpy as np
import pytest

from sfmbench.catalog import METHODS, create_task
from sfmbench.config import make_job
from sfmbench.runner import RunSettings, run_job
from sfmbench.store import Store


@pytest.mark.parametrize("task,model", [pytest.param("generated/sat-cls-tiny", "timm-classifier",
                                                     marks=pytest.mark.slow),
                                        ("generated/sat-multilabel-tiny", "timm-classifier"),
                                        ("generated/sat-seg-tiny", "smp-unet")])
def test_reference_runs_on_generated_images(tmp_path, task, model, one_torch_thread):
    row = run_job(make_job(task, model, 0, "smoke", model_overrides={"encoder": "resnet10t"}
                           if model == "timm-classifier" else None),
                  Store(f"sqlite:///{tmp_path / 'r.db'}"),
                  RunSettings(run_dir=tmp_path, show_progress=False))
    assert row.status == "ok", row.error
    spec = create_task(task).spec
    preds = np.load(row.predictions_path)
    assert preds.shape[1] == spec.num_classes and np.isfinite(preds).all()
    assert preds.shape[2:] == tuple(spec.input_shape[1:]) if model == "smp-unet" else True
    assert np.isfinite(row.best_val_metric) and row.epochs == 3   # smoke: 3 retrain epochs


def test_references_claim_only_their_problems():
    seg = create_task("generated/sat-seg-tiny").spec
    cls = create_task("generated/sat-cls-tiny").spec
    assert METHODS.get("smp-unet").supports(seg) and not METHODS.get("smp-unet").supports(cls)
    assert METHODS.get("timm-classifier").supports(cls)
    assert not METHODS.get("timm-classifier").supports(seg)

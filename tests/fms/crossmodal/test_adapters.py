"""ORCA and L2G through the real harness on tiny tasks with tiny real bodies."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sfmbench.config import make_job, model_config
from sfmbench.errors import ConfigError, DataError
from sfmbench.plugin_check import check_plugin
from sfmbench.runner import RunSettings, run_job
from sfmbench.store import Store

#: what a fast test needs of the smoke budget: few samples, one trial each
FAST = {"n_trials": 2, "trial_epochs": 1, "epochs": 1, "max_train_samples": 64,
        "trial_train_samples": 64, "trial_val_samples": 32, "embedder_epochs": 2,
        "search_epochs": 1, "search_subsample": 64, "align_samples": 64}
#: the L2G-only keys of FAST
L2G_ONLY = ("search_epochs", "search_subsample", "align_samples")
CHOICES = ("status", "hyperparameters", "architecture", "best_val_metric", "n_trials", "epochs")


def _run(task: str, model: str, body: Path, tmp: Path, task_overrides=None, **params):
    overrides = {"model_id": str(body), "source": {"kind": "pydoc", "chunk_tokens": 16,
                                                   "max_samples": 100, "k": 3,
                                                   "cache_dir": str(tmp / "cache")}}
    overrides.update(FAST)
    if model == "orca":
        for key in L2G_ONLY:
            overrides.pop(key)
    overrides.update(params)
    job = make_job(task, model, 0, "smoke", task_overrides, overrides)
    row = run_job(job, Store(f"sqlite:///{tmp / 'r.db'}"),
                  RunSettings(run_dir=tmp, show_progress=False, device="cpu"))
    assert row.status == "ok", row.error
    return row


def test_orca_classification_row_records_stages_and_choices(tiny_bert, tmp_path):
    row = _run("generated/dna-motif-tiny", "orca", tiny_bert, tmp_path,
               search_space={"objective": ["otdd"], "lr": [1e-3, 1e-4]})
    assert row.hyperparameters["recipe"] == "full" and row.hyperparameters["objective"] == "otdd"
    assert row.n_trials == 2 and row.best_val_metric is not None
    for stage in ("source", "align", "tune", "refine"):
        assert row.stage_seconds[stage] >= 0
    arch = row.architecture
    assert arch["alignment"]["aligned"] and arch["alignment"]["steps"] == 2
    assert arch["otdd_batch_size"] == 32 and arch["source"]["labels"] == "k-means"
    assert arch["embedder"] == "PatchEmbed1d"
    # one alignment, shared by both trials and the refit, with its own cost in the row
    assert [k for k in row.stage_seconds if k.startswith("align[")] == [
        "align[objective=otdd,embedder_epochs=2,align_lr=0.001]"]


def test_l2g_forecasting_uses_the_dash_search(tiny_bert, tmp_path):
    row = _run("generated/ts-seasonal-24", "l2g", tiny_bert, tmp_path,
               search_space={"objective": ["mmd"], "lr": [1e-3]}, n_trials=1)
    assert row.architecture["head"] == "TokenHead" and len(row.architecture["searched_layers"]) == 9
    assert row.stage_seconds["search"] > 0
    assert row.architecture["alignment"]["objective"] == "mmd+task"
    assert np.isfinite(row.metrics["mse"])


def test_bad_settings_are_named(tiny_bert, tmp_path):
    with pytest.raises(Exception, match="alignment objective 'otd'"):
        _run("generated/dna-gc-tiny", "orca", tiny_bert, tmp_path, objective="otd")
    with pytest.raises(Exception, match="model_id"):
        _run("generated/dna-gc-tiny", "orca", tmp_path / "missing-folder" / "x", tmp_path)


def test_budget_sets_the_trial_count_as_for_dasha():
    orca = model_config("orca").resolved_params("cpu")
    dasha = model_config("dasha").resolved_params("cpu")
    assert orca["n_trials"] == dasha["n_trials"] == model_config("l2g").resolved_params(
        "cpu")["n_trials"]


@pytest.mark.slow
@pytest.mark.parametrize("model", ["orca", "l2g"])
def test_check_plugin_passes_for_every_problem(model, tiny_bert):
    report = check_plugin(model, {"model.model_id": str(tiny_bert),
                                  "model.max_train_samples": 200})
    assert report.ok, "\n".join(report.lines)
    text = "\n".join(report.lines)
    for problem in ("classification", "regression", "forecasting"):
        assert f"{problem}: end-to-end run" in text


def test_orca_on_images_with_a_vision_body(tiny_vit, tmp_path):
    """2-D inputs: the patch embedder starts from the ViT's patch conv; without source images
    only ``objective: none`` runs, and asking for alignment says what to give."""
    from sfmbench import METHODS, ArrayInputs, ArraySplit, RunContext, TaskSpec
    spec = TaskSpec(name="generated/img", domain="generated", problem="classification",
                    input_shape=(4, 16, 16), primary_metric="accuracy", higher_is_better=True,
                    metrics=("accuracy",), num_classes=2)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 4, 16, 16)).astype(np.float32)
    y = (x[:, 0].mean((1, 2)) > 0).astype(np.int64)
    ctx = RunContext(seed=0, device="cpu", show_progress=False, work_dir=tmp_path)
    params = {**FAST, "model_id": str(tiny_vit), "image_size": 32, "objective": "none",
              "search_space": {"lr": [1e-3]}, "n_trials": 1, "batch_size": 16}
    for key in L2G_ONLY:
        params.pop(key)
    orca = METHODS.get("orca")(spec, params, ctx)
    report = orca.fit(ArraySplit(x[:32], y[:32]), ArraySplit(x[32:], y[32:]))
    assert report.architecture["embedder"] == "PatchEmbed2d" and report.architecture[
        "n_tokens"] == 16
    assert orca.predict(ArrayInputs(x[:5])).shape == (5, 2)
    with pytest.raises(ConfigError, match="source images"):
        METHODS.get("orca")(spec, {**params, "objective": "otdd"}, ctx).fit(
            ArraySplit(x[:32], y[:32]), ArraySplit(x[32:], y[32:]))

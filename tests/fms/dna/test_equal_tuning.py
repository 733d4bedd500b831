"""Equal tuning of DNA FMs: the budget's trials, successive halving over epochs, the published
recipe as trial 0, a refit on the whole training split, rows that say what ran, exact reruns."""
from __future__ import annotations

import optuna

from sfmbench.config import make_job
from sfmbench.rerun import rerun
from sfmbench.runner import RunSettings, run_job
from sfmbench.store import Store
from tests.fms.dna.conftest import TASK, TASK_SIZE

RECIPE = {"learning_rate": 1e-3, "batch_size": 16, "weight_decay": 0.0}


def _run(tmp_path, folder, **overrides):
    store = Store(f"sqlite:///{tmp_path / 'runs.db'}")
    job = make_job(TASK, "nucleotide-transformer", seed=0, budget="smoke",
                   task_overrides=TASK_SIZE,
                   model_overrides={"model_id": str(folder), "first_trial": RECIPE,
                                    **overrides})
    row = run_job(job, store, RunSettings(run_dir=tmp_path, show_progress=False, device="cpu"))
    assert row.status == "ok", row.error
    return store, row


def test_an_fm_gets_the_budgets_trials_and_its_recipe_first(dna_checkpoints, tmp_path):
    store, row = _run(tmp_path, dna_checkpoints["nucleotide-transformer"],
                      max_train_samples=40)
    budget_trials = 3                                          # conf/budget/smoke.yaml
    assert row.recipe == "full" and row.budget == "smoke"
    assert row.n_trials == budget_trials and row.train_samples == 40
    assert row.config["model"]["params"]["recipe"] == "full"   # the recipe is in the job key
    (summary,) = [s for s in optuna.get_all_study_summaries(store.url)
                  if s.study_name.endswith(":full")]
    study = optuna.load_study(study_name=summary.study_name, storage=store.url)
    first = min(study.trials, key=lambda t: t.number)
    assert {k: first.params[k] for k in RECIPE} == RECIPE      # the published recipe ran first
    assert first.params["epochs"] == 2                         # capped at the budget's max
    assert {t.params["epochs"] for t in study.trials} <= {1, 2}   # the budget's rungs
    assert set(first.params) == {"learning_rate", "batch_size", "weight_decay", "epochs"}
    assert row.stage_seconds.get("refit") is not None          # refit on all 64 samples
    assert row.tune_seconds is not None and row.tune_seconds <= row.train_seconds


def test_an_fm_rerun_is_exact(dna_checkpoints, tmp_path):
    store, row = _run(tmp_path, dna_checkpoints["nucleotide-transformer"])
    report = rerun(store, row.job_key, tmp_path / "scratch")
    assert report.identical, [(c.name, c.stored, c.new) for c in report.comparisons
                              if not c.same]
    assert report.new.hyperparameters == row.hyperparameters


def test_an_fm_trains_its_trials_on_dashas_subset(dna_checkpoints, tmp_path):
    """Equal training samples: the FM's trials see the very subset DASHA's trials see."""
    import numpy as np

    from sfmbench import METHODS, RunContext
    from tests.fms.dna.test_loading import SPEC, dna_split

    train = dna_split(50)
    ctx = RunContext(seed=3, device="cpu", show_progress=False)
    fm = METHODS.get("nucleotide-transformer")(
        SPEC, {"model_id": str(dna_checkpoints["nucleotide-transformer"]),
               "max_train_samples": 20}, ctx)
    mine = fm.tuning_data(train)
    dasha = METHODS.get("dasha")(SPEC, {"hpo_subsample": 20}, ctx)
    dashas = dasha.tuning_data(train)                  # DASHA's hpo_subsample of seed 3
    assert len(mine) == 20 and len(train) == 50
    np.testing.assert_array_equal(mine.x, dashas.x)
    np.testing.assert_array_equal(mine.y, dashas.y)

"""kmer-logreg: k-mer features from one-hot DNA, tuning on validation, the harness end to end."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import optuna
import pytest

from sfmbench import METHODS, RunContext, create_task
from sfmbench.config import make_job, model_config
from sfmbench.data import ArraySplit
from sfmbench.errors import ConfigError, DataError
from sfmbench.metrics import compute_metrics
from sfmbench.runner import RunSettings, run_job
from sfmbench.store import Store
from sfmbench.baselines.genomics import kmer
from sfmbench.codecs.dna import encode


def test_kmer_counts_skip_padding_and_are_normalized() -> None:
    x = encode(["ACGTA", "AA"], 6)
    f = kmer.kmer_features(x, 2).toarray()
    assert f.shape == (2, 25)
    idx = {a + b: 5 * "ACGTN".index(a) + "ACGTN".index(b) for a in "ACGTN" for b in "ACGTN"}
    row0 = {k for k in idx if f[0, idx[k]] > 0}
    assert row0 == {"AC", "CG", "GT", "TA"}                      # no k-mer across padding
    assert np.flatnonzero(f[1]).tolist() == [idx["AA"]]
    np.testing.assert_allclose(np.linalg.norm(f, axis=1), 1.0, rtol=1e-6)


def test_kmer_rejects_non_dna_shapes() -> None:
    with pytest.raises(DataError, match=r"\(N, 5, L\)"):
        kmer.kmer_features(np.zeros((3, 4, 10), dtype=np.uint8), 3)
    with pytest.raises(ConfigError, match="exceeds the sequence length"):
        kmer.kmer_features(np.zeros((3, 5, 2), dtype=np.uint8), 3)


def _method(task: str, params: dict, tmp_path: Path, seed: int = 0):  # type: ignore[no-untyped-def]
    t = create_task(task)
    ctx = RunContext(seed=seed, storage_url=f"sqlite:///{tmp_path / 'optuna.db'}",
                     study_prefix=f"test:{task}:{seed}", show_progress=False)
    return t, t.load(), METHODS.get("kmer-logreg")(t.spec, params, ctx)


def test_beats_chance_and_tunes_on_validation(tmp_path: Path) -> None:
    task, data, m = _method("generated/dna-motif-tiny", {"k_grid": [2, 4], "C_grid": [0.1, 10.0]},
                            tmp_path)
    report = m.fit(data.train, data.val)
    assert report.n_trials == 4 and set(report.hyperparameters) == {"k", "C"}
    assert report.best_val_metric is not None and report.best_val_metric > 0.5
    probs = m.predict(data.test.inputs)
    assert probs.shape == (100, 2)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert compute_metrics(task.spec, probs, data.test.targets)["accuracy"] > 0.8
    trainable, total = m.parameter_count()
    assert trainable == total == 5 ** report.hyperparameters["k"] + 1

    study = optuna.load_study(study_name=m.ctx.study_name("hpo"), storage=m.ctx.storage_url)
    assert {(t.params["k"], t.params["C"]) for t in study.trials} == {
        (2, 0.1), (2, 10.0), (4, 0.1), (4, 10.0)}
    assert study.best_trial.params["k"] == report.hyperparameters["k"]

    # a resumed job reuses the finished study: no new trials, same choice, same predictions
    _, _, again = _method("generated/dna-motif-tiny", {"k_grid": [2, 4], "C_grid": [0.1, 10.0]},
                          tmp_path)
    report2 = again.fit(data.train, data.val)
    assert report2.hyperparameters == report.hyperparameters and report2.n_trials == 4
    np.testing.assert_allclose(again.predict(data.test.inputs), probs)


def test_multiclass_with_a_class_missing_from_train(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    seqs = ["".join(s) for s in rng.choice(list("ACGT"), size=(60, 20))]
    x, y = encode(seqs, 20), np.arange(60) % 2          # classes 0 and 1 only; the task has 3
    task = create_task("generated/dna-motif-tiny", {"num_classes": 3, "length": 20})
    ctx = RunContext(seed=0, show_progress=False)
    m = METHODS.get("kmer-logreg")(task.spec, {"k_grid": [2], "C_grid": [1.0]}, ctx)
    m.fit(ArraySplit(x, y), ArraySplit(x[:20], y[:20]))
    probs = m.predict(ArraySplit(x, y).inputs)
    assert probs.shape == (60, 3) and (probs[:, 2] == 0).all()


def test_model_yaml_budgets() -> None:
    cfg = model_config("kmer-logreg")
    assert cfg.method == "kmer-logreg"
    smoke = cfg.resolved_params("smoke")
    assert smoke["k_grid"] == [3] and smoke["C_grid"] == [1.0]
    assert len(cfg.resolved_params("paper")["C_grid"]) > len(smoke["C_grid"])
    cls = METHODS.get("kmer-logreg")
    assert cls.kind == "baseline" and cls.tuned is False
    assert cls.supports(create_task("gue/tf_0").spec)
    assert cls.supports(create_task("generated/dna-motif-easy").spec)


def test_job_through_the_harness(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    job = make_job("generated/dna-motif-tiny", "kmer-logreg", seed=0, budget="smoke")
    row = run_job(job, store, RunSettings(run_dir=tmp_path))
    assert row.status == "ok", row.error
    (stored,) = store.rows()
    assert stored["primary_metric"] == "mcc" and set(stored["metrics"]) == {"mcc", "f1_macro", "accuracy"}
    assert stored["metrics"]["accuracy"] > 0.8 and stored["n_test"] == 100
    assert stored["hyperparameters"] == {"k": 3, "C": 1.0}

"""The frozen, full and LoRA recipes end to end through the harness, on tiny real checkpoints."""
from __future__ import annotations

import json

import numpy as np
import optuna
import pytest

from sfmbench import ArrayInputs, ArraySplit, RunContext, TaskSpec
from sfmbench.fms.dna.families import NucleotideTransformer
from tests.fms.dna.conftest import TASK_SIZE
from tests.fms.dna.test_loading import dna_split, make

LR_GRID = [1e-3, 1e-2]


def _nt_dims(folder) -> tuple[int, int]:
    cfg = json.loads((folder / "config.json").read_text())
    return cfg["hidden_size"], cfg["num_hidden_layers"]


def _assert_probabilities(row, n: int, k: int = 2) -> np.ndarray:
    assert row.status == "ok", row.error
    probs = np.load(row.predictions_path)
    assert probs.shape == (n, k)
    assert np.all((probs >= 0) & (probs <= 1)) and np.allclose(probs.sum(1), 1.0, atol=1e-5)
    return probs


@pytest.mark.parametrize("recipe", ["frozen", "full", "lora"])
def test_recipes_run_through_the_harness(recipe, run_dna, dna_checkpoints):
    folder = dna_checkpoints["nucleotide-transformer"]
    row = run_dna("nucleotide-transformer", model_id=str(folder), recipe=recipe,
                  search_space={"learning_rate": [1e-3], "epochs": [2]})
    _assert_probabilities(row, TASK_SIZE["n_test"])
    assert row.kind == "fm" and row.hyperparameters["recipe"] == recipe
    assert row.hyperparameters["learning_rate"] == 1e-3 and row.epochs == 2
    assert np.isfinite(row.best_val_metric) and -1 <= row.metrics["mcc"] <= 1
    hidden, layers = _nt_dims(folder)
    head = hidden * 2 + 2
    r = NucleotideTransformer.defaults["lora"]["r"]
    expected = {"frozen": head,                              # the linear head only
                "lora": layers * 2 * r * (hidden + hidden) + head}   # query and value, A and B
    if recipe == "full":
        assert row.params_trainable == row.params_total
    else:
        assert row.params_trainable == expected[recipe]
        assert row.params_total > 10 * row.params_trainable


def test_lora_trains_only_adapters_and_head(dna_checkpoints, tmp_path):
    method = make("nucleotide-transformer", dna_checkpoints["nucleotide-transformer"], tmp_path,
                  recipe="lora")
    method.fit(dna_split(16), dna_split(8, seed=1))
    trainable = [n for n, p in method.model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n or n.startswith("head.") for n in trainable)
    assert {n.split(".lora_")[0].rsplit(".", 1)[-1] for n in trainable if "lora_" in n} == \
        {"query", "value"}


@pytest.mark.parametrize("family", ["dnabert2", "hyenadna", "caduceus"])
def test_lora_targets_each_remote_family(family, run_dna, dna_checkpoints):
    row = run_dna(family, model_id=str(dna_checkpoints[family]), trust_remote_code=True,
                  recipe="lora")
    _assert_probabilities(row, TASK_SIZE["n_test"])
    r, hidden, layers, head = 8, 32, 2, 32 * 2 + 2
    per_layer = {"dnabert2": r * (hidden + 2 * hidden),              # Wqkv: 32 -> 64
                 "hyenadna": 2 * r * 2 * hidden, "caduceus": 2 * r * 2 * hidden}
    assert row.params_trainable == layers * per_layer[family] + head


def test_the_method_never_receives_test_labels(run_dna, dna_checkpoints, monkeypatch):
    seen: dict[str, list] = {"fit": [], "predict": []}
    fit, predict = NucleotideTransformer.fit, NucleotideTransformer.predict

    def spy_fit(self, train, val):
        seen["fit"].append((type(train), len(train), type(val), len(val)))
        return fit(self, train, val)

    def spy_predict(self, inputs):
        seen["predict"].append(inputs)
        return predict(self, inputs)

    monkeypatch.setattr(NucleotideTransformer, "fit", spy_fit)
    monkeypatch.setattr(NucleotideTransformer, "predict", spy_predict)
    row = run_dna("nucleotide-transformer",
                  model_id=str(dna_checkpoints["nucleotide-transformer"]))
    assert row.status == "ok", row.error
    assert seen["fit"] == [(ArraySplit, TASK_SIZE["n_train"], ArraySplit, TASK_SIZE["n_val"])]
    assert all(type(x) is ArrayInputs and not hasattr(x, "y") for x in seen["predict"])
    assert sum(len(x) for x in seen["predict"]) == TASK_SIZE["n_test"]


def test_tuning_searches_on_validation_in_a_stored_study(run_dna, dna_checkpoints, tmp_path):
    row = run_dna("nucleotide-transformer",
                  model_id=str(dna_checkpoints["nucleotide-transformer"]), n_trials=3,
                  recipe="frozen", sampler="grid",
                  search_space={"learning_rate": LR_GRID, "epochs": [1]})
    assert row.status == "ok", row.error
    assert row.n_trials == 2                       # the grid holds two points: no repeats
    assert row.hyperparameters["learning_rate"] in LR_GRID
    storage = f"sqlite:///{tmp_path / 'runs.db'}"
    (summary,) = [s for s in optuna.get_all_study_summaries(storage)
                  if s.study_name.endswith(":frozen")]
    study = optuna.load_study(study_name=summary.study_name, storage=storage)
    assert sorted(t.params["learning_rate"] for t in study.trials) == LR_GRID
    assert row.best_val_metric == pytest.approx(study.best_value)


def test_a_resumed_study_refits_the_best_trial(dna_checkpoints, tmp_path):
    ctx = RunContext(device="cpu", show_progress=False, study_prefix="resume",
                     storage_url=f"sqlite:///{tmp_path / 'studies.db'}", work_dir=tmp_path)
    params = {"model_id": str(dna_checkpoints["nucleotide-transformer"]), "n_trials": 2,
              "search_space": {"learning_rate": LR_GRID, "epochs": [2]}}
    spec = TaskSpec("test/dna", "genomics", "classification", (5, 24), "mcc", True,
                    ("mcc",), num_classes=2)
    train, val, test = dna_split(24), dna_split(12, seed=1), dna_split(6, seed=2)
    first = NucleotideTransformer(spec, params, ctx)
    report = first.fit(train, val)
    again = NucleotideTransformer(spec, params, ctx)   # all trials done: refit the best
    resumed = again.fit(train, val)
    assert resumed.hyperparameters == report.hyperparameters
    assert resumed.extra["trials"] == []            # nothing was searched again
    np.testing.assert_allclose(again.predict(ArrayInputs(test.x)),
                               first.predict(ArrayInputs(test.x)), atol=1e-5)


def test_multilabel_tasks_get_independent_probabilities(dna_checkpoints, tmp_path):
    spec = TaskSpec("test/ml", "genomics", "multilabel", (5, 24), "map_macro", True,
                    ("map_macro",), num_classes=3)
    rng = np.random.default_rng(0)
    train, val = dna_split(16), dna_split(8, seed=1)
    train = ArraySplit(train.x, rng.integers(0, 2, (16, 3)))
    val = ArraySplit(val.x, rng.integers(0, 2, (8, 3)))
    method = make("nucleotide-transformer", dna_checkpoints["nucleotide-transformer"],
                  tmp_path, spec=spec)
    method.fit(train, val)
    probs = method.predict(ArrayInputs(dna_split(4, seed=2).x))
    assert probs.shape == (4, 3) and np.all((probs > 0) & (probs < 1))
    assert not np.allclose(probs.sum(1), 1.0)


def test_full_finetuning_learns_a_motif_task(run_dna, dna_checkpoints):
    """Fine-tuned on 200 sequences, the tiny NT finds class motifs well above chance (on
    validation)."""
    row = run_dna("nucleotide-transformer", recipe="full", max_train_samples=None,
                  model_id=str(dna_checkpoints["nucleotide-transformer"]),
                  search_space={"learning_rate": [1e-3], "epochs": [4]},
                  task_size={"n_train": 200, "n_val": 100, "n_test": 100})
    assert row.status == "ok", row.error
    # learning is judged on validation (the split the method chose on), never on test
    assert row.primary_metric == "mcc" and row.best_val_metric > 0.3
    assert np.isfinite(row.metrics["mcc"])

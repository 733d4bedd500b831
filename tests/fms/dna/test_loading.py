"""Registration, model YAMLs, the remote-code opt-in and bad configurations of the DNA adapters."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from sfmbench import METHODS, ArrayInputs, ArraySplit, ConfigError, RunContext, TaskSpec
from sfmbench.config import make_job, model_config
from sfmbench.errors import DataError, SfmbenchError
from sfmbench.fms.base import REMOTE_CODE_OVERRIDE, check_contract
from sfmbench.fms.dna import ENTRIES
from sfmbench.codecs.dna import encode
from tests.fms.dna.conftest import TASK

FAMILY_OF_YAML = {"nt-v2-50m": "nucleotide-transformer", "nt-500m-human-ref":
                  "nucleotide-transformer", "dnabert2": "dnabert2",
                  "hyenadna-tiny-1k": "hyenadna", "caduceus-ph-131k": "caduceus"}
SPEC = TaskSpec("test/dna", "genomics", "classification", (5, 24), "mcc", True,
                ("mcc", "accuracy"), num_classes=2)


def dna_split(n: int, seed: int = 0, length: int = 24) -> ArraySplit:
    rng = np.random.default_rng(seed)
    seqs = ["".join(rng.choice(list("ACGT"), length)) for _ in range(n)]
    return ArraySplit(encode(seqs, length), rng.integers(0, 2, n))


def make(family: str, folder: Path, tmp_path: Path, spec: TaskSpec = SPEC, **params):
    ctx = RunContext(device="cpu", show_progress=False, storage_url=None,
                     work_dir=tmp_path / "work", study_prefix=f"t-{family}")
    base = {"model_id": str(folder), "search_space": {"epochs": [1]}, "n_trials": 1}
    return METHODS.get(family)(spec, {**base, **params}, ctx)


def test_every_family_is_registered_as_a_genomics_fm():
    for name in ("nucleotide-transformer", "dnabert2", "hyenadna", "caduceus"):
        cls = METHODS.get(name)
        assert cls.kind == "fm" and cls.extra == "genomics"
        assert check_contract(cls) == []
        assert cls.recipes == {"frozen", "full", "lora"}
    assert set(ENTRIES) == {"nucleotide-transformer", "dnabert2", "hyenadna", "caduceus"}


@pytest.mark.parametrize("name,family", sorted(FAMILY_OF_YAML.items()))
def test_model_yamls_resolve_with_hub_ids_and_budgets(name, family):
    cfg = model_config(name)
    assert cfg.method == family and set(cfg.budgets) <= {"smoke", "cpu", "paper"}
    smoke = make_job(TASK, name, budget="smoke").model_params
    cpu = make_job(TASK, name, budget="cpu").model_params
    paper = make_job(TASK, name, budget="paper").model_params
    assert smoke["model_id"].count("/") == 1 and smoke["trust_remote_code"] is False
    # the counts come from conf/budget/*.yaml (the same as DASHA's), not from the model YAML
    assert smoke["n_trials"] < cpu["n_trials"] < paper["n_trials"] == 120
    assert cpu["max_train_samples"] == 6000 and paper["max_train_samples"] is None
    assert paper["recipe"] in ("full", "lora") and paper["first_trial"]


@pytest.mark.parametrize("family", ["dnabert2", "hyenadna", "caduceus"])
def test_remote_code_is_refused_without_opt_in_and_runs_with_it(family, dna_checkpoints,
                                                                  tmp_path):
    train, val = dna_split(12), dna_split(8, seed=1)
    refused = make(family, dna_checkpoints[family], tmp_path)
    with pytest.raises(SfmbenchError, match="needs remote code") as info:
        refused.fit(train, val)
    assert REMOTE_CODE_OVERRIDE in str(info.value)
    assert refused.model is None

    method = make(family, dna_checkpoints[family], tmp_path, trust_remote_code=True)
    report = method.fit(train, val)
    probs = method.predict(ArrayInputs(dna_split(5, seed=2).x))
    assert probs.shape == (5, 2) and np.allclose(probs.sum(1), 1.0, atol=1e-5)
    assert report.hyperparameters["recipe"] == "full"
    assert type(method.model.backbone).__module__.startswith("transformers_modules")


def test_remote_code_tokenizer_alone_needs_the_opt_in(dna_checkpoints, tmp_path):
    folder = tmp_path / "tok-only"
    shutil.copytree(dna_checkpoints["hyenadna"], folder)
    config = json.loads((folder / "config.json").read_text())
    config.pop("auto_map")
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(SfmbenchError, match="needs remote code"):
        make("hyenadna", folder, tmp_path).fit(dna_split(4), dna_split(4, seed=1))


def test_run_job_records_the_refusal_with_the_how_to(run_dna, dna_checkpoints):
    row = run_dna("hyenadna", model_id=str(dna_checkpoints["hyenadna"]))
    assert row.status == "failed"
    assert "needs remote code" in row.error and REMOTE_CODE_OVERRIDE in row.error


def test_bad_configurations_fail_with_a_hint(dna_checkpoints, tmp_path):
    nt = dna_checkpoints["nucleotide-transformer"]
    with pytest.raises(ConfigError, match="does not support recipe 'zero-shot'"):
        make("nucleotide-transformer", nt, tmp_path, recipe="zero-shot")
    with pytest.raises(ConfigError, match="unknown pooling"):
        make("nucleotide-transformer", nt, tmp_path, pooling="max")
    with pytest.raises(ConfigError, match="cannot search"):
        make("nucleotide-transformer", nt, tmp_path,
             search_space={"momentum": [0.9]}).fit(dna_split(4), dna_split(4, seed=1))
    with pytest.raises(ConfigError, match="not a folder"):
        make("nucleotide-transformer", tmp_path / "missing" / "x" / "y", tmp_path
             ).fit(dna_split(4), dna_split(4, seed=1))
    with pytest.raises(DataError, match="one-hot inputs"):
        bad = ArraySplit(np.zeros((4, 4, 24), dtype=np.uint8), np.zeros(4, dtype=int))
        make("nucleotide-transformer", nt, tmp_path).fit(bad, bad)
    with pytest.raises(SfmbenchError, match="before fit"):
        make("nucleotide-transformer", nt, tmp_path).predict(ArrayInputs(dna_split(2).x))
    regression = TaskSpec("t/r", "genomics", "regression", (5, 24), "mse", False, ("mse",))
    with pytest.raises(ConfigError, match="does not solve regression"):
        make("nucleotide-transformer", nt, tmp_path, spec=regression)


def test_the_cli_spelling_of_the_opt_in_loads_remote_code(run_dna, dna_checkpoints):
    from sfmbench.config import split_prefixed
    from sfmbench.overrides import parse_overrides

    cli = ["model.trust_remote_code=true", f"model.model_id={dna_checkpoints['caduceus']}"]
    row = run_dna("caduceus", **split_prefixed(parse_overrides(cli), "model"))
    assert row.status == "ok", row.error
    assert row.config["model"]["params"]["trust_remote_code"] is True


def test_importing_the_family_package_stays_cheap():
    import subprocess
    import sys

    code = "import sys, sfmbench.fms.dna; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_budget_knobs_cap_train_samples_and_tokens(dna_checkpoints, tmp_path):
    method = make("nucleotide-transformer", dna_checkpoints["nucleotide-transformer"], tmp_path,
                  max_train_samples=10, max_length=4)
    report = method.fit(dna_split(30), dna_split(8, seed=1))
    assert report.extra["n_train"] == 10 and report.extra["tokens"] == 4
    assert report.extra["max_length"] == 4
    assert method.predict(ArrayInputs(dna_split(3, seed=2).x)).shape == (3, 2)

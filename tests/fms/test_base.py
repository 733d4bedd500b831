"""The FM adapter contract: source resolution, the remote-code gate, recipes, tuning, checks."""
from __future__ import annotations

import json
from pathlib import Path
from dataclasses import dataclass
from typing import Any, ClassVar, Optional

import numpy as np
import pytest
import torch

from sfmbench import (ConfigError, PluginError, ProblemType, RunContext, SfmbenchError,
                      TaskSpec)
from sfmbench.fms.base import (REMOTE_CODE_OVERRIDE, FMParams, FoundationModel,
                               check_contract, ensure_contract, needs_remote_code,
                               resolve_source)
from sfmbench.params import param

SPEC = TaskSpec("test/cls", "genomics", "classification", (4, 16), "mcc", True, ("mcc",),
                num_classes=2)


@dataclass
class CompleteParams(FMParams):
    model_id: Optional[str] = param("owner/model")


class Complete(FoundationModel):
    """A minimal adapter that meets the contract (typed Params; the subclasses below use the
    older defaults dict, which must keep working)."""

    problems: ClassVar = frozenset({ProblemType.CLASSIFICATION})
    recipes: ClassVar = frozenset({"zero-shot", "frozen", "full", "lora"})
    pretraining_data: ClassVar = "nothing (test double)"
    Params: ClassVar = CompleteParams

    def fit(self, train: Any, val: Any) -> None:
        return None

    def predict(self, inputs: Any) -> np.ndarray:
        return np.zeros(len(inputs))


class Incomplete(FoundationModel):
    """Declares nothing, implements nothing, and claims a recipe nobody knows."""

    recipes: ClassVar = frozenset({"zero-shot", "distill"})


def make(cls: type = Complete, ctx: RunContext | None = None, **params: Any) -> Any:
    return cls(SPEC, params, ctx or RunContext(device="cpu"))


# -- check_contract -------------------------------------------------------------------------
def test_check_contract_lists_everything_missing():
    missing = "\n".join(check_contract(Incomplete))
    for expected in ("no problems declared", "not implemented: fit, predict",
                     "no model_id default", "unsupported recipe(s) ['distill']",
                     "pretraining_data not declared"):
        assert expected in missing
    assert len(check_contract(Incomplete)) == 5


def test_check_contract_accepts_a_complete_adapter_and_yaml_params():
    assert check_contract(Complete) == []

    class NoDefaultId(Complete):
        defaults: ClassVar[dict[str, Any]] = {**FoundationModel.defaults}

    assert any("model_id" in m for m in check_contract(NoDefaultId))
    assert check_contract(NoDefaultId, {"model_id": "owner/other"}) == []


def test_check_contract_on_foreign_classes():
    assert "not a subclass of sfmbench.Method" in check_contract(dict)[0]
    with pytest.raises(PluginError, match="does not meet the FM adapter contract"):
        ensure_contract(Incomplete)


def test_check_contract_flags_a_default_recipe_the_class_lacks():
    class ZeroShotOnly(Complete):
        recipes: ClassVar = frozenset({"zero-shot"})
        defaults: ClassVar[dict[str, Any]] = {**Complete.defaults, "recipe": "lora"}

    assert any("default recipe 'lora'" in m for m in check_contract(ZeroShotOnly))


# -- construction -----------------------------------------------------------------------------
def test_unsupported_recipe_and_dtype_are_config_errors():
    class ZeroShotOnly(Complete):
        recipes: ClassVar = frozenset({"zero-shot"})

    with pytest.raises(ConfigError, match="does not support recipe 'lora'") as err:
        make(ZeroShotOnly, recipe="lora")
    assert "zero-shot" in str(err.value)
    with pytest.raises(ConfigError, match="unknown dtype"):
        make(dtype="float8")


def test_kind_and_defaults_are_merged():
    method = make(recipe="frozen")
    assert method.kind == "fm"
    assert method.params["model_id"] == "owner/model" and method.params["revision"] is None
    assert method.recipe == "frozen" and method.params["trust_remote_code"] is False


# -- resolve_source and the remote-code gate --------------------------------------------------
def test_resolve_source_local_folder(tmp_path: Path):
    (tmp_path / "config.json").write_text("{}")
    assert resolve_source(str(tmp_path)) == tmp_path.resolve()


@pytest.mark.parametrize("bad", ["./no/such/folder", "/no/such/model/dir"])
def test_resolve_source_missing_path(bad: str):
    with pytest.raises(ConfigError, match="is not a folder"):
        resolve_source(bad)


def test_resolve_source_invalid_id():
    with pytest.raises(ConfigError, match="neither a local folder nor a valid hub id"):
        resolve_source("not a valid id!")
    with pytest.raises(ConfigError, match="no model_id"):
        resolve_source("")


def offline_hub(monkeypatch: pytest.MonkeyPatch, cache: Path) -> None:
    from huggingface_hub import constants
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))


def test_resolve_source_offline_hub_names_the_id_and_the_fix(tmp_path, monkeypatch):
    offline_hub(monkeypatch, tmp_path / "hf-cache")
    with pytest.raises(SfmbenchError) as err:
        resolve_source("amazon/chronos-bolt-small", revision="main")
    text = str(err.value)
    assert "amazon/chronos-bolt-small" in text
    assert "hf download amazon/chronos-bolt-small --revision main" in text
    assert "model.model_id=/path" in text


def test_resolve_source_uses_the_offline_cache(tmp_path, monkeypatch):
    """A snapshot already in the HF cache resolves without the network."""
    cache = tmp_path / "hf-cache"
    snap = cache / "models--owner--cached" / "snapshots" / ("a" * 40)
    snap.mkdir(parents=True)
    (snap / "config.json").write_text("{}")
    (cache / "models--owner--cached" / "refs").mkdir()
    (cache / "models--owner--cached" / "refs" / "main").write_text("a" * 40)
    offline_hub(monkeypatch, cache)
    assert resolve_source("owner/cached") == snap


def remote_code_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "remote"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(
        {"auto_map": {"AutoModel": "modeling_x.XModel"}}))
    return folder


def test_remote_code_needs_opt_in(tmp_path: Path):
    folder = remote_code_folder(tmp_path)
    assert needs_remote_code(folder) and not needs_remote_code(tmp_path)
    with pytest.raises(SfmbenchError, match="needs remote code") as err:
        make(model_id=str(folder)).load_source()
    assert REMOTE_CODE_OVERRIDE in str(err.value) and "trust_remote_code: true" in str(err.value)
    assert make(model_id=str(folder), trust_remote_code=True).load_source() == folder.resolve()
    opted = make(ctx=RunContext(device="cpu", allow_remote_code=True), model_id=str(folder))
    assert opted.load_source() == folder.resolve()
    assert opted.hf_kwargs()["trust_remote_code"] is True


def test_load_source_without_model_id():
    with pytest.raises(ConfigError, match="needs a model_id"):
        make(model_id=None).load_source()


# -- recipes -----------------------------------------------------------------------------------
def backbone() -> torch.nn.Module:
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 4))


def trainable(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def test_apply_recipe_frozen_full_and_lora():
    head = torch.nn.Linear(4, 2)
    frozen = make(recipe="frozen").apply_recipe(backbone(), head)
    assert trainable(frozen) == 0 and trainable(head) == 10
    full = make(recipe="full").apply_recipe(backbone())
    assert trainable(full) == sum(p.numel() for p in full.parameters())
    lora = make(recipe="lora", lora={"r": 2, "lora_alpha": 4, "target_modules": ["0", "2"]}
                ).apply_recipe(backbone())
    names = [n for n, p in lora.named_parameters() if p.requires_grad]
    assert names and all("lora_" in n for n in names)
    assert trainable(lora) == 2 * (4 + 8) + 2 * (8 + 4)


def test_apply_recipe_lora_bad_targets():
    with pytest.raises(ConfigError, match="LoRA cannot wrap"):
        make(recipe="lora", lora={"target_modules": ["nope"]}).apply_recipe(backbone())


# -- tuning ------------------------------------------------------------------------------------
def test_tune_selects_on_validation_and_resumes(tmp_path: Path):
    ctx = RunContext(device="cpu", storage_url=f"sqlite:///{tmp_path / 'optuna.db'}",
                     study_prefix="job-1")
    method = make(ctx=ctx, search_space={"learning_rate": [1e-4, 1e-3, 1e-2]}, n_trials=3,
                  sampler="grid")
    calls: list[float] = []

    def fit_trial(hp: dict[str, Any]) -> tuple[float, str]:
        calls.append(hp["learning_rate"])
        return -abs(np.log10(hp["learning_rate"]) + 3), f"model@{hp['learning_rate']}"

    result = method.tune(fit_trial)   # mcc: higher is better -> 1e-3 wins
    assert sorted(calls) == [1e-4, 1e-3, 1e-2]
    assert result.params == {"learning_rate": 1e-3} and result.artifact == "model@0.001"
    assert result.value == 0 and result.n_trials == 3
    again = make(ctx=ctx, search_space={"learning_rate": [1e-4, 1e-3, 1e-2]}, n_trials=3,
                 sampler="grid").tune(fit_trial)
    assert len(calls) == 3                               # resumed: nothing recomputed
    assert again.params == {"learning_rate": 1e-3} and again.artifact is None

"""Typed method parameters: validation, docs, the plugin-dict fallback, unchanged job keys."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Optional

import pytest

from sfmbench.budget import budget_param_issues
from sfmbench.catalog import METHODS
from sfmbench.cli import main
from sfmbench.config import known_params, model_config
from sfmbench.errors import ConfigError
from sfmbench.fms.base import FMParams, FoundationModel
from sfmbench.method import Method, contract_issues
from sfmbench.params import (MethodParams, build_params, describe, param, resolve_params,
                             untyped)
from sfmbench.specs import ProblemType

#: resolved params as stored in the job config before typed parameters existed: they are part
#: of the job key, so they must never change for an existing model YAML
AUTOAR_SMOKE = {"d_candidates": [1], "kpss_alpha": 0.05, "kpss_regression": "c",
                "lags": [8, 16], "max_chunk_rows": 4096, "ridge": 0.0}
DASHA_SMOKE = json.loads(
    '{"backbone": "auto", "backbones": {"resnet1d": {"batch_size": 128, "depth": 22, '
    '"dilations": [1, 3, 5, 7], "kernels": [3, 5, 7, 9, 11], "search_width": null, "width": 8}, '
    '"unet": {"batch_size": 16, "depth": 2, "dilations": [1, 3, 7, 15], "kernels": [3, 5, 7, 9], '
    '"search_width": 4, "width": 4}, "wrn": {"batch_size": 16, "depth": 10, "dilations": '
    '[1, 3, 7, 15], "kernels": [3, 5, 7, 9], "search_width": 1, "width": 1}}, "batch_size": 64, '
    '"depth": null, "depthwise_search": true, "dilations": [1, 3], "dropout": 0.0, '
    '"dropout_choices": [0.0, 0.05, 0.1], "eval_batch_size": 512, "fft": "auto", '
    '"grad_scale": 100.0, "hpo_epochs": 2, "hpo_min_epochs": 1, "hpo_reduction_factor": 2, '
    '"hpo_subsample": null, "kernels": [3, 5], "lr": 0.01, "lr_range": [1e-05, 0.5], '
    '"mixed_precision": true, "momentum": 0.9, "momentum_range": [0.9, 1.0], "n_trials": 3, '
    '"retrain_epochs": 3, "search": true, "search_arch_lr": 0.05, "search_batch_fraction": 1.0, '
    '"search_epochs": 1, "search_grad_clip": 1.0, "search_lr": 0.1, "search_subsample": null, '
    '"search_weight_decay": 0.0005, "search_width": null, "seed_range": [0, 500], "tune": true, '
    '"weight_decay": 0.0005, "weight_decay_range": [5e-07, 0.005], "width": null}')


def _dump(params: dict[str, Any]) -> str:
    return json.dumps(params, sort_keys=True, default=str)


@pytest.mark.parametrize("name, want", [("autoar", AUTOAR_SMOKE), ("dasha", DASHA_SMOKE)])
def test_resolved_params_are_unchanged_so_job_keys_are(name: str, want: dict) -> None:
    assert _dump(model_config(name).resolved_params("smoke")) == _dump(want)


@pytest.mark.usefixtures("toy_registry")
def test_a_wrong_type_on_the_command_line_names_the_field(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["run", "--storage", f"sqlite:///{tmp_path / 'r.db'}", "task=toy/classes",
            "model=dasha", "budget=smoke", "model.n_trials=abc"]
    assert main(argv) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "n_trials expects int, got 'abc'" in err and "model 'dasha'" in err
    assert "sfmbench models show dasha" in err and "Traceback" not in err


def test_unknown_key_suggests_the_close_field() -> None:
    with pytest.raises(ConfigError, match="no parameter") as err:
        model_config("dasha").resolved_params("smoke", {"n_trails": 3})
    assert "n_trails -> n_trials?" in (err.value.hint or "")
    assert "models show dasha" in (err.value.hint or "")


def test_nullable_fields_take_null_and_plain_fields_do_not() -> None:
    cfg = model_config("dasha")
    assert cfg.resolved_params("smoke", {"width": 16})["width"] == 16
    assert cfg.resolved_params("smoke", {"width": None})["width"] is None  # int | null
    with pytest.raises(ConfigError, match="n_trials expects int, got None"):
        cfg.resolved_params("smoke", {"n_trials": None})
    with pytest.raises(ConfigError, match="model.search must be a boolean"):
        cfg.resolved_params("smoke", {"search": "on"})   # booleans stay strict


def test_nested_dicts_merge_key_by_key() -> None:
    params = model_config("dasha").resolved_params("smoke", {"backbones": {"wrn": {"width": 3}}})
    assert params["backbones"]["wrn"] == {**DASHA_SMOKE["backbones"]["wrn"], "width": 3}


def test_typed_instance_reads_as_attributes_and_as_a_mapping() -> None:
    cls = METHODS.get("dasha").Params
    p = build_params(cls, {"n_trials": 7, "width": None}, "dasha")
    assert p.n_trials == 7 and p["n_trials"] == 7 and p.get("nope", 1) == 1
    assert "lr_range" in p and "nope" not in p and set(p.keys()) == set(known_params(
        METHODS.get("dasha")))
    assert dict(p.items())["width"] is None and isinstance(p.lr_range, list)
    p["n_trials"] = 3   # as on the 0.1.0 parameter dicts, for a known field only
    assert p.n_trials == 3
    with pytest.raises(KeyError, match="no parameter 'nope'"):
        p["nope"] = 1
    assert build_params(cls, {"lr": 1}, "dasha").lr == 1.0   # typed: a float field
    from sfmbench.config import model_config
    assert repr(model_config("autoar").resolved_params("smoke", {"ridge": 0})["ridge"]) == "0"
    with pytest.raises(ConfigError, match="n_trials expects int"):
        build_params(cls, {"n_trials": "many"}, "dasha")
    with pytest.raises(ConfigError, match="did you mean"):
        build_params(cls, {"n_trial": 1}, "dasha")


def test_subclass_params_override_defaults_and_keep_docs() -> None:
    wrn = {i.name: i for i in describe(METHODS.get("wrn").Params)}
    dasha = {i.name: i for i in describe(METHODS.get("dasha").Params)}
    assert wrn["backbone"].default == "wrn" and dasha["backbone"].default == "auto"
    assert wrn["backbone"].doc == dasha["backbone"].doc != ""


def test_every_builtin_method_has_typed_params_with_a_doc_per_field() -> None:
    for name in METHODS.list():
        if METHODS.entry(name).source != "builtin":
            continue
        cls = METHODS.get(name)
        assert issubclass(cls.Params, MethodParams) and not untyped(cls.Params), name
        undocumented = [i.name for i in describe(cls.Params) if not i.doc]
        assert not undocumented, (name, undocumented)
        assert budget_param_issues(cls) == [], name
        assert cls.defaults == known_params(cls), name   # the derived dict, for old plugins


class _Legacy(Method):
    """A plugin-style class that still declares a defaults dict."""

    problems = frozenset({ProblemType.CLASSIFICATION})
    defaults: ClassVar[dict[str, Any]] = {"alpha": 1, "names": ["a"]}

    def fit(self, train: Any, val: Any) -> None:
        return None

    def predict(self, inputs: Any) -> Any:
        return None


class _LegacyFM(FoundationModel):
    """A plugin FM with a defaults dict: base keys keep their types, new keys are Any."""

    problems = frozenset({ProblemType.CLASSIFICATION})
    recipes = frozenset({"full"})
    pretraining_data = "none"
    defaults: ClassVar[dict[str, Any]] = {"model_id": "x/y", "recipe": "full", "epochs": 3,
                                          "dtype": None}

    def fit(self, train: Any, val: Any) -> None:
        return None

    def predict(self, inputs: Any) -> Any:
        return None


def test_a_defaults_dict_gives_an_untyped_params() -> None:
    assert untyped(_Legacy.Params) and contract_issues(_Legacy) == []
    info = {i.name: i for i in describe(_Legacy.Params)}
    assert info["alpha"].type == "any" and info["alpha"].default == 1
    values = resolve_params(_Legacy.Params, [("overrides", {"alpha": "anything"})], "legacy")
    assert values == {"alpha": "anything", "names": ["a"]}
    method = _Legacy(None, {"alpha": 2}, None)  # type: ignore[arg-type]
    assert method.params["alpha"] == 2 and method.params.alpha == 2

    fm = {i.name: i for i in describe(_LegacyFM.Params)}
    assert issubclass(_LegacyFM.Params, FMParams)
    assert fm["recipe"].type == "str" and fm["recipe"].default == "full"
    assert fm["n_trials"].type == "int" and fm["epochs"].type == "any"
    assert fm["dtype"].type == "any"                  # None does not fit str: untyped
    assert contract_issues(_LegacyFM) == []


def test_budget_params_must_target_params_fields() -> None:
    with pytest.raises(ConfigError, match="not fields of"):
        class _Bad(Method):  # noqa: F841 - the class statement itself must fail
            budget_params: ClassVar[dict[str, str]] = {"trials": "n_trails"}

    @dataclass
    class _P(MethodParams):
        n_trials: Optional[int] = param(None, "trials")

    class _Good(Method):
        Params: ClassVar[type[MethodParams]] = _P
        budget_params: ClassVar[dict[str, str]] = {"trials": "n_trials"}

    assert budget_param_issues(_Good) == []
    _Good.budget_params = {"epochs": "n_trials"}
    assert "unknown count" in budget_param_issues(_Good)[0]


def test_models_show_prints_the_parameter_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "show", "dasha"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "DashaParams" in text and "hyperparameter trials (budget: trials)" in text
    assert "int | null" in text
    assert main(["models", "show", "chronos-bolt-small", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["parameters"]}
    assert rows["model_id"] == {"name": "model_id", "type": "str | null", "default": None,
                                "value": "amazon/chronos-bolt-small",   # from the model YAML
                                "doc": rows["model_id"]["doc"]}
    assert rows["model_id"]["doc"].startswith("Hugging Face hub id")

"""Loading time-series FMs: hub ids vs folders, the remote-code gate, bad checkpoints, YAMLs."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

import sfmbench.conf
from sfmbench import METHODS, ConfigError, RunContext, SfmbenchError
from sfmbench.fms.base import REMOTE_CODE_OVERRIDE, check_contract
from sfmbench.fms.timeseries.chronos import Chronos
from sfmbench.fms.timeseries.timesfm import TimesFM

from .conftest import make_task

MODEL_DIR = Path(sfmbench.conf.__file__).parent / "model"
YAMLS = {"chronos-bolt-small": "amazon/chronos-bolt-small",
         "chronos-bolt-base": "amazon/chronos-bolt-base",
         "chronos-t5-small": "amazon/chronos-t5-small", "chronos-2": "amazon/chronos-2",
         "timesfm-2.5": "google/timesfm-2.5-200m-pytorch"}


def build(cls: type, ctx: RunContext, **params: Any) -> tuple[Any, Any]:
    task = make_task()
    return cls(task.spec, {"val_windows": 2, **params}, ctx), task


@pytest.mark.parametrize("cls", [Chronos, TimesFM])
def test_unreachable_hub_id_is_a_clear_error(cls: type, ctx, tmp_path, monkeypatch):
    from huggingface_hub import constants
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    method, task = build(cls, ctx, model_id="amazon/chronos-bolt-small")
    with pytest.raises(SfmbenchError, match="cannot get model 'amazon/chronos-bolt-small'") as err:
        method.fit(task.train, task.val)
    assert "hf download amazon/chronos-bolt-small" in str(err.value)


def test_remote_code_checkpoint_needs_opt_in(tiny_checkpoints, ctx, tmp_path):
    folder = tmp_path / "bolt-remote"
    shutil.copytree(tiny_checkpoints["chronos-bolt"], folder)
    config = json.loads((folder / "config.json").read_text())
    config["auto_map"] = {"AutoConfig": "configuration_x.XConfig"}
    (folder / "config.json").write_text(json.dumps(config))
    method, task = build(Chronos, ctx, model_id=str(folder))
    with pytest.raises(SfmbenchError, match="needs remote code") as err:
        method.fit(task.train, task.val)
    assert REMOTE_CODE_OVERRIDE in str(err.value)


def test_folder_of_another_family_is_rejected(tiny_checkpoints, ctx):
    method, task = build(Chronos, ctx, model_id=str(tiny_checkpoints["timesfm"]))
    with pytest.raises(ConfigError, match="not a loadable Chronos checkpoint"):
        method.fit(task.train, task.val)
    method, task = build(TimesFM, ctx, model_id=str(tiny_checkpoints["chronos-bolt"]))
    with pytest.raises(ConfigError, match="does not match the TimesFM 2.5 architecture"):
        method.fit(task.train, task.val)


def test_timesfm_rejects_unknown_definition_and_flags(tiny_checkpoints, ctx, tmp_path):
    folder = tmp_path / "tfm"
    shutil.copytree(tiny_checkpoints["timesfm"], folder)
    (folder / "config.json").write_text(json.dumps({"timesfm_definition": {"depth": 3}}))
    method, task = build(TimesFM, ctx, model_id=str(folder))
    with pytest.raises(ConfigError, match="unknown timesfm_definition key"):
        method.fit(task.train, task.val)
    with pytest.raises(ConfigError, match="unknown forecast_flags"):
        build(TimesFM, ctx, forecast_flags={"turbo": True})


def test_bad_params(ctx):
    with pytest.raises(ConfigError, match="unknown point forecast"):
        build(Chronos, ctx, model_id="x/y", point="mode")
    with pytest.raises(ConfigError, match="does not support recipe 'lora'"):
        build(TimesFM, ctx, recipe="lora")
    with pytest.raises(ConfigError, match="does not support recipe 'frozen'"):
        build(Chronos, ctx, model_id="x/y", recipe="frozen")
    method, task = build(Chronos, ctx)                     # the generic entry needs an id
    with pytest.raises(ConfigError, match="needs a model_id"):
        method.fit(task.train, task.val)


def test_registered_names():
    assert METHODS.get("chronos") is Chronos and METHODS.get("timesfm") is TimesFM
    assert Chronos.kind == "fm" and Chronos.extra == "timeseries"
    assert check_contract(TimesFM) == []
    assert check_contract(Chronos) == ["no model_id default (set the model_id default of its "
                                       "Params, or params.model_id in its model YAML)"]


@pytest.mark.parametrize("name", list(YAMLS))
def test_model_yaml_builds_under_every_budget(name: str, ctx):
    config = yaml.safe_load((MODEL_DIR / f"{name}.yaml").read_text())
    cls = METHODS.get(config["method"])
    assert config["params"]["model_id"] == YAMLS[name]
    assert check_contract(cls, config["params"]) == []
    task = make_task()
    for budget in ("smoke", "cpu", "paper"):
        params = {**config["params"], **config["budgets"][budget]}
        method = cls(task.spec, params, ctx)
        assert method.params["model_id"] == YAMLS[name]
        assert method.recipe in cls.recipes and method.supports(task.spec)

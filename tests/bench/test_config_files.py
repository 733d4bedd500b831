"""Every YAML in conf/ is read: a key that nothing reads fails this test."""
from __future__ import annotations

from pathlib import Path

import pytest

import sfmbench.conf
from sfmbench.budget import load_budget
from sfmbench.config import budget_names, load_yaml, model_config
from sfmbench.sweep import EXECUTOR_KEYS, SUITE_KEYS

CONF = Path(sfmbench.conf.__file__).parent


def _names(group: str) -> list[str]:
    return sorted(p.relative_to(CONF / group).with_suffix("").as_posix()
                  for p in (CONF / group).rglob("*.yaml"))


def test_every_config_group_is_known() -> None:
    groups = {p.name for p in CONF.iterdir() if p.is_dir() and not p.name.startswith("__")}
    assert groups <= {"model", "suite", "budget", "executor", "storage", "task"}, groups


@pytest.mark.parametrize("name", _names("budget"))
def test_budget_files_are_typed_budgets(name: str) -> None:
    budget = load_budget(name)  # unknown keys or bad counts raise
    assert budget.trials >= 1 and budget.max_epochs >= 1


@pytest.mark.parametrize("name", _names("model"))
def test_model_files_resolve_at_every_budget(name: str) -> None:
    cfg = model_config(name)  # unknown top-level keys raise
    for budget in budget_names():
        cfg.resolved_params(budget)  # unknown parameters (in params or budgets) raise
    assert set(cfg.budgets) <= set(budget_names()), f"{name}: unknown budget section"


@pytest.mark.parametrize("name", _names("suite"))
def test_suite_files_use_only_read_keys(name: str) -> None:
    data = load_yaml(CONF / "suite" / f"{name}.yaml")
    assert set(data) <= SUITE_KEYS, sorted(set(data) - SUITE_KEYS)
    assert data.get("budget", "cpu") in budget_names()
    for model in (data.get("model_params") or {}):
        assert model in data["models"], f"model_params for {model!r}, not in models"


@pytest.mark.parametrize("name", _names("executor"))
def test_executor_files_use_only_read_keys(name: str) -> None:
    data = load_yaml(CONF / "executor" / f"{name}.yaml")
    assert set(data) <= EXECUTOR_KEYS, sorted(set(data) - EXECUTOR_KEYS)


@pytest.mark.parametrize("name", _names("storage"))
def test_storage_files_hold_a_url(name: str) -> None:
    text = (CONF / "storage" / f"{name}.yaml").read_text()
    keys = {line.split(":", 1)[0] for line in text.splitlines()
            if line and not line.startswith(("#", " "))}
    assert keys == {"url"}

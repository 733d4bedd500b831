"""docs/plugins.md stays true to the code it documents, and the README links to it."""
from __future__ import annotations

import re
from pathlib import Path

from sfmbench import ProblemType
from sfmbench.fms.base import RECIPES, FoundationModel

ROOT = Path(__file__).resolve().parents[1]
PAGE = (ROOT / "docs" / "plugins.md").read_text()


def test_readme_links_the_plugin_page():
    assert "docs/plugins.md" in (ROOT / "README.md").read_text()


def test_every_problem_type_and_recipe_is_documented():
    for problem in ProblemType:
        assert f"| {problem.value} |" in PAGE, problem
    for recipe in RECIPES:
        assert f"`{recipe}`" in PAGE, recipe


def test_documented_helpers_and_params_exist():
    helpers = set(re.findall(r"`self\.(\w+)", PAGE))
    assert {"load_source", "hf_kwargs", "apply_recipe", "tune", "fit_report"} <= helpers
    for name in helpers - {"spec", "params", "ctx", "model", "head", "source"}:
        if name.startswith("_"):
            continue
        assert hasattr(FoundationModel, name), name
    for param in ("model_id", "revision", "trust_remote_code", "dtype", "recipe",
                  "search_space", "n_trials", "sampler", "lora"):
        assert param in FoundationModel.defaults and f"`{param}`" in PAGE, param


def test_yaml_keys_match_the_loader():
    from sfmbench.config import ModelConfig  # noqa: F401 - the keys model_config accepts
    import inspect

    from sfmbench import config
    allowed = re.search(r"set\(data\) - \{([^}]*)\}", inspect.getsource(config.model_config))
    keys = {k.strip().strip('"') for k in allowed.group(1).split(",")}
    for key in keys - {"kind"}:
        assert f"\n{key}:" in PAGE, key

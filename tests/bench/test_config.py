"""Config composition and overrides."""
from __future__ import annotations

from pathlib import Path

import pytest

from sfmbench.config import (check_keys, config_hash, make_job, model_config,
                             split_prefixed)
from sfmbench.errors import ConfigError, UnknownNameError
from sfmbench.overrides import parse_overrides

pytestmark = pytest.mark.usefixtures("toy_registry")


def test_parse_overrides_grammar() -> None:
    ov = parse_overrides(["task=ltsf/ETTh1-96", "models=[a,b]", "seeds=0,1,2", "model.lr=1e-3",
                          "task.path=/x/y.csv", "flag=true", "x=null"])
    assert ov == {"task": "ltsf/ETTh1-96", "models": ["a", "b"], "seeds": [0, 1, 2],
                  "model.lr": 0.001, "task.path": "/x/y.csv", "flag": True, "x": None}
    assert split_prefixed(ov, "model") == {"lr": 0.001}
    assert split_prefixed(parse_overrides(["model.a.b=2"]), "model") == {"a": {"b": 2}}


def test_override_grammar_edges() -> None:
    ov = parse_overrides(["x=", "u=postgresql://u:p@127.0.0.1:5/db", "q='a,b'", "n=1_000",
                          "nested=[a,[b,c]],d", "d={r: 8, alpha: 16}", "my-fm.lora.r=4",
                          "p='/data/run (1.csv'"])
    assert ov == {"x": "", "u": "postgresql://u:p@127.0.0.1:5/db", "q": "a,b", "n": 1000,
                  "nested": [["a", ["b", "c"]], "d"], "d": {"r": 8, "alpha": 16},
                  "my-fm.lora.r": 4, "p": "/data/run (1.csv"}


def test_overrides_do_not_use_hydra_internals() -> None:
    import sfmbench.config
    import sfmbench.overrides
    for module in (sfmbench.config, sfmbench.overrides):
        text = Path(module.__file__).read_text()
        assert "import hydra" not in text and "from hydra" not in text


@pytest.mark.parametrize("bad", ["model=[", "task", "=3", "seed=0)", "a..b=1", "k=abc]", "k=1,",
                                 "k=[1,]", "k='open"])
def test_malformed_overrides_are_clear(bad: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_overrides([bad])
    assert "override" in str(err.value) and err.value.hint


def test_unknown_setting_suggests() -> None:
    with pytest.raises(ConfigError, match="did you mean seed"):
        check_keys({"sed": 1}, {"seed", "task"}, "run")


def test_unknown_names_suggest_close_matches() -> None:
    with pytest.raises(UnknownNameError) as err:
        make_job("toy/forcast", "toy-mean")
    assert "toy/forecast" in err.value.close_matches
    with pytest.raises(UnknownNameError) as err:
        make_job("toy/forecast", "toy-maen")
    assert "toy-mean" in err.value.close_matches
    with pytest.raises(UnknownNameError):
        make_job("toy/forecast", "toy-mean", budget="gpu-huge")


def test_bad_seed_and_task_param() -> None:
    with pytest.raises(ConfigError, match="seed must be an integer"):
        make_job("toy/forecast", "toy-mean", seed="abc")  # type: ignore[arg-type]
    from sfmbench import create_task
    with pytest.raises(ConfigError, match="no parameter"):
        create_task("toy/forecast", {"horizn": 3})


def test_job_key_is_stable_and_sensitive() -> None:
    a = make_job("toy/forecast", "toy-mean", 0, "smoke")
    assert a.key == make_job("toy/forecast", "toy-mean", 0, "smoke").key
    assert a.key != make_job("toy/forecast", "toy-mean", 1, "smoke").key
    assert a.key != make_job("toy/forecast", "toy-mean", 0, "smoke", {"rows": 500}).key
    assert a.key != make_job("toy/forecast", "toy-mean", 0, "smoke", None, {"sleep": 0.1}).key
    assert config_hash({"a": 1, "b": 2}) == config_hash({"b": 2, "a": 1})


def test_model_yaml_budgets_and_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "toy-variant.yaml").write_text(
        "method: toy-mean\ndescription: a variant\nparams: {sleep: 0.5}\n"
        "budgets:\n  smoke: {sleep: 0.0}\n")
    monkeypatch.setenv("SFMBENCH_CONFIG_PATH", str(tmp_path))
    cfg = model_config("toy-variant")
    assert cfg.method == "toy-mean"
    assert cfg.resolved_params("cpu") == {"fail": False, "sleep": 0.5}
    assert cfg.resolved_params("smoke") == {"fail": False, "sleep": 0.0}
    assert cfg.resolved_params("smoke", {"fail": True})["fail"] is True
    (tmp_path / "model" / "broken.yaml").write_text("method: toy-mean\nparms: {}\n")
    with pytest.raises(ConfigError, match="unknown key"):
        model_config("broken")
    (tmp_path / "model" / "bad-yaml.yaml").write_text("method: [unclosed\n")
    with pytest.raises(ConfigError, match="cannot read config"):
        model_config("bad-yaml")


def test_unknown_model_parameter_suggests_the_right_one() -> None:
    with pytest.raises(ConfigError) as err:
        make_job("toy/forecast", "toy-mean", model_overrides={"slep": 1.0})
    assert "slep" in str(err.value) and "sleep" in err.value.hint


def test_every_shipped_model_config_resolves_under_every_budget() -> None:
    from sfmbench.config import budget_names, model_names
    for name in model_names():
        cfg = model_config(name)
        for budget in budget_names():
            cfg.resolved_params(budget)  # raises on an unknown key in any YAML


def test_a_model_yaml_value_of_the_wrong_type_names_the_yaml(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "my-dasha.yaml").write_text(
        "method: dasha\nparams: {n_trials: 4}\nbudgets: {smoke: {lr_range: oops}}\n")
    monkeypatch.setenv("SFMBENCH_CONFIG_PATH", str(tmp_path))
    cfg = model_config("my-dasha")
    assert cfg.resolved_params("cpu")["n_trials"] == 8          # the budget's count wins
    with pytest.raises(ConfigError, match=r"lr_range expects list\[float\], got 'oops' "
                                          r"\(in its 'smoke' budget\)") as err:
        cfg.resolved_params("smoke")
    assert err.value.hint == "see `sfmbench models show my-dasha`"

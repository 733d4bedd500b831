"""Strict booleans and integers, per-model settings of a sweep."""
from __future__ import annotations

import pytest

from sfmbench.errors import ConfigError
from sfmbench.parsing import (explicit_true, parse_bool, parse_int, per_model_overrides,
                              strict_bools)


@pytest.mark.parametrize("value, expected", [
    (True, True), (False, False), (1, True), (0, False), ("true", True), ("FALSE", False),
    ("yes", True), ("No", False), ("1", True), ("0", False), (" yes ", True)])
def test_parse_bool_accepts_exactly_the_documented_words(value, expected):
    assert parse_bool(value, "x") is expected


@pytest.mark.parametrize("value", ["off", "on", "nope", "", "2", 2, 0.5, None, [], "tru"])
def test_parse_bool_rejects_everything_else(value):
    with pytest.raises(ConfigError, match="x must be a boolean"):
        parse_bool(value, "x")


def test_remote_code_is_true_only_when_explicit():
    assert explicit_true(None, "t") is False and explicit_true("no", "t") is False
    assert explicit_true("false", "t") is False and explicit_true("true", "t") is True
    with pytest.raises(ConfigError):
        explicit_true("off", "t")


def test_strict_bools_only_touches_boolean_defaults():
    out = strict_bools({"a": "no", "b": "no", "c": None}, {"a": False, "b": "x", "c": True}, "m.")
    assert out == {"a": False, "b": "no", "c": None}
    with pytest.raises(ConfigError, match="m.a must be a boolean"):
        strict_bools({"a": "maybe"}, {"a": False}, "m.")


def test_parse_int_bounds():
    assert parse_int("12", "n", minimum=1) == 12 and parse_int(3, "n") == 3
    for bad in ("abc", 1.5, True, "0"):
        with pytest.raises(ConfigError, match="n must be an integer"):
            parse_int(bad, "n", minimum=1)


def test_per_model_overrides_split_only_known_model_heads():
    rest, per = per_model_overrides(
        {"myfm.model_id": "/ckpt", "myfm.lora.r": 4, "model.epochs": 2, "task.path": "x",
         "other.key": 1, "models": ["autoar", "myfm"]},
        reserved={"model", "task", "models"}, known_models=["autoar", "myfm", "task"])
    assert per == {"myfm": {"model_id": "/ckpt", "lora": {"r": 4}}}
    assert rest == {"model.epochs": 2, "task.path": "x", "other.key": 1,
                    "models": ["autoar", "myfm"]}


def test_sweep_routes_name_dot_key_to_that_model_only(capsys, tmp_path, monkeypatch):
    from sfmbench.cli import main

    monkeypatch.setenv("SFMBENCH_STORAGE", f"sqlite:///{tmp_path / 'r.db'}")
    base = ["sweep", "tasks=[generated/ts-seasonal-24]", "models=[last-value,seasonal-naive]",
            "budget=smoke", "dry_run=yes"]
    assert main([*base, "last-value.bogus=1"]) == 2
    err = capsys.readouterr().err
    assert "'last-value'" in err and "bogus" in err and "seasonal-naive" not in err
    assert main([*base, "autoar.lags=[4]"]) == 2
    assert "not in this sweep" in capsys.readouterr().err
    assert main([*base, "last-value.max_chunk_rows=64"]) == 0

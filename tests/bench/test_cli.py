"""The command line: help texts, run -> results -> leaderboard, and clean errors."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sfmbench.cli import build_parser, main

COMMANDS = ["run", "sweep", "results", "leaderboard", "tasks", "models", "suites", "demo",
            "check-plugin"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_explains_itself(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert len(text) > 400 and "usage: sfmbench " + command in text


def test_top_level_help_lists_commands() -> None:
    text = build_parser().format_help()
    assert all(c in text for c in COMMANDS)


@pytest.mark.usefixtures("toy_registry")
def test_run_results_leaderboard(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    for seed in (0, 1):
        assert main(["run", "--storage", db, "-q", "task=toy/classes", "model=toy-centroid",
                     f"seed={seed}", "budget=smoke"]) == 0
    # the same job again is not recomputed
    assert main(["run", "--storage", db, "task=toy/classes", "model=toy-centroid", "seed=0",
                 "budget=smoke"]) == 0
    assert "already stored" in capsys.readouterr().err
    out_csv = tmp_path / "r.csv"
    assert main(["results", "--storage", db, "--format", "csv", "--out", str(out_csv)]) == 0
    frame = pd.read_csv(out_csv)
    assert list(frame.columns[:7]) == ["task", "model", "kind", "seed", "status",
                                       "primary_metric", "primary_value"]
    assert {"mcc", "accuracy", "f1"} <= set(frame.columns) and len(frame) == 2
    assert (frame["primary_value"] == frame["mcc"]).all()
    capsys.readouterr()
    assert main(["results", "--storage", db, "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert {r["seed"] for r in records} == {0, 1}
    assert main(["results", "--storage", db, "--format", "json", "--wide"]) == 0
    wide = json.loads(capsys.readouterr().out)     # the model name and its Method class
    assert {(r["model"], r["method"]) for r in wide} == {("toy-centroid", "toy-centroid")}
    lb_dir = tmp_path / "lb"
    assert main(["leaderboard", "--storage", db, "--out", str(lb_dir)]) == 0
    board = pd.read_csv(lb_dir / "leaderboard.csv")
    (row,) = board.to_dict("records")
    assert row["task"] == "toy/classes" and row["n"] == 2
    assert row["mean"] == pytest.approx(frame["mcc"].mean())


@pytest.mark.parametrize("argv, message", [
    (["run", "task=toy/nope", "model=toy-mean"], "unknown task 'toy/nope'"),
    (["run", "task=toy/forecast"], "missing model=NAME"),
    (["run", "task=toy/forecast", "model=toy-mean", "sede=1"], "did you mean seed"),
    (["run", "task=toy/forecast", "model=[", ], "malformed override"),
    (["sweep", "suite=no-such-suite"], "unknown suite"),
    (["tasks", "show"], "needs a name"),
    (["run", "--storage", "postgresql+psycopg://u:pw@127.0.0.1:9/x", "task=toy/forecast",
      "model=toy-mean"], "cannot reach database"),
])
@pytest.mark.usefixtures("toy_registry")
def test_bad_input_gives_a_clear_error(argv: list[str], message: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and "hint:" in err


def test_empty_store_leaderboard_is_clear(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["leaderboard", "--storage", f"sqlite:///{tmp_path / 'e.db'}",
                 "--out", str(tmp_path / "lb")]) == 2
    assert "sfmbench run" in capsys.readouterr().err

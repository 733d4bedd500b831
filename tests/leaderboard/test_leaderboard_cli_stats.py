"""End to end: runs save per-example records; the leaderboard command bases its intervals on
them (and `--published` adds paper rows without touching the statistics)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sfmbench.cli import main

TASK = ["task=generated/ts-seasonal-ar-24", "task.rows=900", "task.channels=2",
        "task.lookback=48", "task.horizon=12"]


def test_runs_save_records_and_the_leaderboard_resamples_them(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("SFMBENCH_RUN_DIR", str(tmp_path / "runs"))
    db = f"sqlite:///{tmp_path / 'r.db'}"
    for model in ("autoar", "last-value"):
        for seed in (0, 1):
            assert main(["run", "--storage", db, "-q", *TASK, f"model={model}", f"seed={seed}",
                         "budget=smoke"]) == 0
    records = sorted((tmp_path / "runs" / "predictions").glob("*.examples.npz"))
    assert len(records) == 4
    with np.load(records[0]) as z:
        assert int(z["horizon"]) == 12 and z["se"].ndim == 1
    out = tmp_path / "lb"
    assert main(["leaderboard", "--storage", db, "--out", str(out), "--published"]) == 0
    board = pd.read_csv(out / "leaderboard.csv").set_index("model")
    assert set(board["ci_basis"]) == {"examples+seeds"}
    # deterministic models: equal seeds, yet the intervals have width (test windows resampled)
    assert (board["ci_high"] > board["ci_low"]).all()
    assert board.loc["autoar", "verdict"] == "reference"
    assert board.loc["last-value", "verdict"] in {"win", "tie", "loss"}
    assert "published" not in set(board["kind"])          # no paper reports this generated task

"""Result rows from before the `method` -> `model` rename still build the same leaderboard."""
from __future__ import annotations

import pandas as pd
import pytest

from sfmbench.errors import DataError
from sfmbench.leaderboard import aggregate, build_leaderboard
from sfmbench.leaderboard.inputs import with_model_column

from .lb_rows import frame_from

SPEC = {("gue/prom", "dasha"): [0.60, 0.62, 0.61], ("gue/prom", "chronos"): [0.64, 0.66, 0.65],
        ("gue/prom", "linear"): [0.50, 0.52, 0.51]}


def old_rows() -> pd.DataFrame:
    """Rows as sfmbench 0.1.0 exported them: the model name in `method`, no `model` column."""
    return frame_from(SPEC).drop(columns=["method"]).rename(columns={"model": "method"})


def test_old_method_column_is_read_as_model():
    new = aggregate(frame_from(SPEC), n_resamples=200)
    old = aggregate(old_rows(), n_resamples=200)
    assert "method" not in old.columns
    assert sorted(old["model"]) == ["chronos", "dasha", "linear"]
    pd.testing.assert_frame_equal(old, new)


def test_old_results_csv_builds_the_leaderboard(tmp_path):
    path = tmp_path / "results.csv"
    old_rows().drop(columns=["metrics", "config"]).to_csv(path, index=False)
    result = build_leaderboard(pd.read_csv(path), tmp_path / "lb", n_resamples=200)
    written = pd.read_csv(tmp_path / "lb" / "leaderboard.csv")
    assert "model" in written.columns and "method" not in written.columns
    assert set(written["model"]) == set(result.leaderboard["model"]) == {"chronos", "dasha",
                                                                         "linear"}


def test_model_column_wins_over_a_class_name_column():
    rows = frame_from(SPEC).assign(method="SomeClass")
    assert with_model_column(rows) is rows           # both present: nothing renamed
    assert set(aggregate(rows, n_resamples=200)["model"]) == {"chronos", "dasha", "linear"}


def test_rows_without_either_column_are_refused():
    with pytest.raises(DataError, match="model"):
        aggregate(frame_from(SPEC).drop(columns=["model", "method"]))

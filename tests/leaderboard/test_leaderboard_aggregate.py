"""Aggregation into one row per (task, model): statistics, ranks, deltas, compute, errors."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from sfmbench.errors import ConfigError, DataError, SfmbenchError
from sfmbench.leaderboard import LEADERBOARD_COLUMNS, aggregate
from sfmbench.leaderboard.stats import rng_for

from .lb_rows import frame_from, make_row

VALUES = [0.61, 0.58, 0.66, 0.52, 0.63]


def row_of(board: pd.DataFrame, task: str, model: str) -> pd.Series:
    match = board[(board["task"] == task) & (board["model"] == model)]
    assert len(match) == 1
    return match.iloc[0]


def test_mean_std_n_and_ci_match_direct_numpy():
    board = aggregate(frame_from({("gue/prom", "chronos"): VALUES}), n_resamples=3000, seed=7)
    row = row_of(board, "gue/prom", "chronos")
    values = np.array(VALUES)
    assert row["n"] == 5
    assert row["mean"] == pytest.approx(values.mean())
    assert row["std"] == pytest.approx(values.std(ddof=1))
    # The CI is the percentile bootstrap drawn from the documented per-(task, model) generator.
    rng = rng_for(7, "gue/prom", "chronos")
    means = values[rng.integers(0, 5, size=(3000, 5))].mean(axis=1)
    low, high = np.quantile(means, [0.025, 0.975])
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))
    # ... and agrees with scipy's percentile bootstrap up to Monte Carlo noise.
    ref = scipy.stats.bootstrap((values,), np.mean, method="percentile", n_resamples=20000,
                                random_state=np.random.default_rng(0)).confidence_interval
    assert row["ci_low"] == pytest.approx(ref.low, abs=0.01)
    assert row["ci_high"] == pytest.approx(ref.high, abs=0.01)
    assert row["ci_low"] < row["mean"] < row["ci_high"]


def test_single_seed_has_nan_std_and_degenerate_ci():
    row = aggregate(frame_from({("gue/prom", "dasha"): [0.7]})).iloc[0]
    assert row["n"] == 1 and math.isnan(row["std"])
    assert row["ci_low"] == row["ci_high"] == row["mean"] == 0.7


def test_ci_of_one_model_does_not_depend_on_other_models():
    alone = aggregate(frame_from({("gue/prom", "chronos"): VALUES}))
    crowded = aggregate(frame_from({("gue/prom", "chronos"): VALUES,
                                    ("gue/prom", "dasha"): [0.1, 0.2, 0.3]}))
    a, b = row_of(alone, "gue/prom", "chronos"), row_of(crowded, "gue/prom", "chronos")
    assert (a["ci_low"], a["ci_high"]) == (b["ci_low"], b["ci_high"])


def test_ranks_for_max_metric_with_ties():
    board = aggregate(frame_from({("gue/prom", "dasha"): [0.9, 0.7],
                                  ("gue/prom", "chronos"): [0.8, 0.8],
                                  ("gue/prom", "linear"): [0.5]}))
    ranks = dict(zip(board["model"], board["rank"]))
    assert ranks == {"chronos": 1, "dasha": 1, "linear": 3}
    assert list(board["model"]) == ["chronos", "dasha", "linear"]   # rank, then name


def test_ranks_for_min_metric_lower_is_better():
    board = aggregate(frame_from({("ltsf/ETTh1-96", "autoar"): [0.38, 0.40],
                                  ("ltsf/ETTh1-96", "chronos"): [0.45],
                                  ("ltsf/ETTh1-96", "last-value"): [0.39]}))
    assert list(board["model"]) == ["autoar", "last-value", "chronos"]
    assert list(board["rank"]) == [1, 1, 3]
    assert set(board["direction"]) == {"min"} and set(board["metric"]) == {"mse"}


def test_delta_is_signed_positive_better_against_best_tuned_baseline():
    board = aggregate(frame_from({
        # max metric: dasha is the tuned reference although untuned linear scores higher
        ("gue/prom", "dasha"): [0.60], ("gue/prom", "linear"): [0.70],
        ("gue/prom", "chronos"): [0.65],
        # min metric: chronos has the lower error -> positive delta
        ("ltsf/ETTh1-96", "autoar"): [0.40], ("ltsf/ETTh1-96", "chronos"): [0.35]}))
    prom = row_of(board, "gue/prom", "chronos")
    assert prom["reference_baseline"] == "dasha" and prom["reference_is_tuned"]
    assert prom["delta_vs_best_baseline"] == pytest.approx(0.05)
    assert row_of(board, "gue/prom", "linear")["delta_vs_best_baseline"] == pytest.approx(0.10)
    assert row_of(board, "gue/prom", "dasha")["delta_vs_best_baseline"] == 0.0
    ett = row_of(board, "ltsf/ETTh1-96", "chronos")
    assert ett["reference_baseline"] == "autoar"
    assert ett["delta_vs_best_baseline"] == pytest.approx(0.05)


def test_best_of_several_tuned_baselines_is_the_reference():
    board = aggregate(frame_from({("ltsf/ETTh1-96", "autoar"): [0.40],
                                  ("ltsf/ETTh1-96", "dasha"): [0.42],
                                  ("ltsf/ETTh1-96", "chronos"): [0.44]}))
    assert set(board["reference_baseline"]) == {"autoar"}
    assert row_of(board, "ltsf/ETTh1-96", "chronos")["delta_vs_best_baseline"] == \
        pytest.approx(-0.04)


def test_fallback_to_untuned_baseline_and_no_baseline():
    board = aggregate(frame_from({("gue/prom", "linear"): [0.5], ("gue/prom", "chronos"): [0.6],
                                  ("gue/tf", "chronos"): [0.6]}))
    prom = row_of(board, "gue/prom", "chronos")
    assert prom["reference_baseline"] == "linear"
    assert prom["reference_is_tuned"] == False  # noqa: E712  (pandas' nullable boolean)
    assert prom["delta_vs_best_baseline"] == pytest.approx(0.1)
    tf = row_of(board, "gue/tf", "chronos")
    assert tf["reference_baseline"] == "" and pd.isna(tf["reference_is_tuned"])
    assert math.isnan(tf["delta_vs_best_baseline"])


def test_failed_rows_are_excluded_but_counted():
    frame = frame_from(
        {("gue/prom", "chronos"): [0.6, 0.7], ("gue/prom", "dasha"): [0.8]},
        make_row("gue/prom", "chronos", 5, None, status="failed", error="OOM"),
        make_row("gue/prom", "chronos", 6, float("nan")),        # "ok" but no finite metric
        # seed 0 of dasha failed once and then succeeded (same config): not an open failure
        make_row("gue/prom", "dasha", 0, None, status="failed", error="killed"),
        make_row("gue/prom", "dnabert2", 0, None, status="failed", error="ImportError"))
    board = aggregate(frame)
    chronos = row_of(board, "gue/prom", "chronos")
    assert chronos["n"] == 2 and chronos["mean"] == pytest.approx(0.65)
    assert chronos["n_failed"] == 2
    assert row_of(board, "gue/prom", "dasha")["n_failed"] == 0
    dnabert = row_of(board, "gue/prom", "dnabert2")
    assert dnabert["n"] == 0 and dnabert["n_failed"] == 1
    assert pd.isna(dnabert["rank"]) and math.isnan(dnabert["mean"])
    assert board.iloc[-1]["model"] == "dnabert2"      # unranked rows go last


def test_compute_hours_by_device_and_provenance_columns():
    frame = pd.DataFrame([
        make_row("gue/prom", "chronos", 0, 0.6, device="cuda:0", total_seconds=1800.0,
                 params_total=1000, params_trainable=10, pretraining_data="100B tokens"),
        make_row("gue/prom", "chronos", 1, 0.6, device="cuda:1", total_seconds=5400.0,
                 params_total=1200, params_trainable=10, pretraining_data="100B tokens"),
        make_row("gue/prom", "chronos", 2, 0.6, device="cpu", total_seconds=720.0,
                 params_total=1000, params_trainable=10, config_hash="aaa"),
        make_row("gue/prom", "chronos", 3, None, status="failed", device="cuda:0",
                 total_seconds=99999.0, config_hash="zzz"),
    ])
    row = aggregate(frame).iloc[0]
    assert row["gpu_hours"] == pytest.approx(2.0)
    assert row["cpu_hours"] == pytest.approx(0.2)
    assert row["params_total"] == 1200 and row["params_trainable"] == 10
    assert row["pretraining_data"] == "100B tokens"
    assert row["config_hashes"] == "aaa;h-gue/prom-chronos-0;h-gue/prom-chronos-1"


def test_column_and_row_order_are_stable():
    spec = {("ltsf/ETTh1-96", "autoar"): [0.4], ("gue/tf", "dasha"): [0.5],
            ("gue/prom", "chronos"): [0.6], ("gue/prom", "dasha"): [0.7]}
    board = aggregate(frame_from(spec))
    assert list(board.columns) == list(LEADERBOARD_COLUMNS)
    assert list(zip(board["task"], board["model"])) == [
        ("gue/prom", "dasha"), ("gue/prom", "chronos"), ("gue/tf", "dasha"),
        ("ltsf/ETTh1-96", "autoar")]
    shuffled = frame_from(spec).sample(frac=1.0, random_state=3)
    pd.testing.assert_frame_equal(aggregate(shuffled), board)


def test_booleans_stored_as_integers_or_text_are_read():
    frame = frame_from({("gue/prom", "dasha"): [0.7], ("gue/prom", "chronos"): [0.6]})
    frame["tuned"] = frame["tuned"].astype(int).astype(str)          # "1"/"0" as from a CSV
    frame["higher_is_better"] = 1
    board = aggregate(frame)
    assert bool(row_of(board, "gue/prom", "dasha")["tuned"]) is True
    assert bool(row_of(board, "gue/prom", "chronos")["tuned"]) is False
    assert set(board["direction"]) == {"max"}
    assert row_of(board, "gue/prom", "chronos")["reference_baseline"] == "dasha"


@pytest.mark.parametrize("frame", [
    pd.DataFrame(),
    pd.DataFrame(columns=["task", "model", "kind", "seed", "status", "primary_value"]),
    pd.DataFrame([make_row("gue/prom", "chronos", 0, None, status="failed")]),
], ids=["no-columns", "no-rows", "only-failed"])
def test_no_successful_results_is_a_clear_error(frame):
    with pytest.raises(SfmbenchError) as info:
        aggregate(frame)
    assert "no successful results" in str(info.value)
    assert "sfmbench run" in info.value.hint and "sfmbench sweep" in info.value.hint


def test_missing_columns_are_named():
    frame = frame_from({("gue/prom", "chronos"): [0.6]}).drop(columns=["primary_value", "kind"])
    with pytest.raises(DataError, match="kind, primary_value"):
        aggregate(frame)


def test_not_a_dataframe_is_rejected():
    with pytest.raises(DataError, match="DataFrame"):
        aggregate([make_row("gue/prom", "chronos", 0, 0.5)])


def test_two_configs_for_one_seed_are_rejected():
    frame = pd.DataFrame([make_row("gue/prom", "chronos", 0, 0.6, budget="smoke"),
                          make_row("gue/prom", "chronos", 0, 0.7, budget="cpu",
                                   config_hash="other")])
    with pytest.raises(DataError, match=r"budget=cpu .*chronos seed 0(.|\n)*budget=smoke") as info:
        aggregate(frame)
    assert "--budget" in info.value.hint


def test_two_metrics_for_one_task_are_rejected():
    frame = pd.DataFrame([make_row("gue/prom", "chronos", 0, 0.6),
                          make_row("gue/prom", "dasha", 0, 0.7, primary_metric="accuracy")])
    with pytest.raises(DataError, match="gue/prom"):
        aggregate(frame)


@pytest.mark.parametrize("kwargs", [{"confidence": 1.0}, {"confidence": 0.0},
                                    {"n_resamples": 0}, {"n_resamples": 2.5}, {"seed": -1}])
def test_bad_bootstrap_settings_are_config_errors(kwargs):
    with pytest.raises(ConfigError):
        aggregate(frame_from({("gue/prom", "chronos"): VALUES}), **kwargs)


def test_reference_baseline_is_picked_on_validation_not_test() -> None:
    """Two tuned baselines: the one with the better validation score is the reference, even
    when the other has the better test mean (picking by test would flatter the baselines)."""
    from sfmbench.leaderboard import aggregate

    rows = [make_row("ltsf/ETTh1-96", "autoar", s, 0.40, best_val_metric=0.60) for s in (0, 1)]
    rows += [make_row("ltsf/ETTh1-96", "dasha", s, 0.38, best_val_metric=0.70) for s in (0, 1)]
    rows += [make_row("ltsf/ETTh1-96", "chronos", s, 0.39) for s in (0, 1)]
    board = aggregate(pd.DataFrame(rows)).set_index("model")
    assert board.loc["chronos", "reference_baseline"] == "autoar"  # val 0.60 < 0.70 (mse)
    assert board.loc["chronos", "reference_selected_by"] == "validation"
    assert board.loc["chronos", "delta_vs_best_baseline"] == pytest.approx(0.01)  # 0.40 - 0.39
    assert board.loc["autoar", "val_mean"] == pytest.approx(0.60)
    # without validation scores the test mean decides, and the column says so
    rows = [dict(r, best_val_metric=None) for r in rows]
    board = aggregate(pd.DataFrame(rows)).set_index("model")
    assert board.loc["chronos", "reference_baseline"] == "dasha"
    assert board.loc["chronos", "reference_selected_by"] == "test"


def test_rows_with_different_task_parameters_are_not_compared():
    frame = pd.DataFrame([
        make_row("ltsf/ETTh1-96", "autoar", 0, 0.38, budget="cpu",
                 config={"task": {"name": "ltsf/ETTh1-96", "params": {"lookback": 512}}}),
        make_row("ltsf/ETTh1-96", "dlinear", 0, 0.37, budget="cpu",
                 config={"task": {"name": "ltsf/ETTh1-96", "params": {"lookback": 336}}}),
        make_row("ltsf/ETTh1-96", "chronos", 0, 0.36, budget="cpu",
                 config={"task": {"name": "ltsf/ETTh1-96", "params": {"lookback": 336}}})])
    with pytest.raises(DataError, match=r'"lookback": 336\}\]: chronos seed 0, dlinear seed 0'
                                        r'(.|\n)*"lookback": 512\}\]: autoar seed 0'):
        aggregate(frame)
    # one setting only: fine
    board = aggregate(frame[frame["model"] != "autoar"])
    assert set(board["model"]) == {"chronos", "dlinear"} and set(board["budget"]) == {"cpu"}


def test_truncated_rows_stay_out_of_statistics_unless_asked():
    rows = frame_from({("gue/prom", "dasha"): [0.5, 0.6]},
                      make_row("gue/prom", "dasha", 2, 0.99, truncated=True))
    board = aggregate(rows)
    row = row_of(board, "gue/prom", "dasha")
    assert row["n"] == 2 and row["mean"] == pytest.approx(0.55)
    assert row["n_truncated"] == 1 and row["n_failed"] == 0
    kept = row_of(aggregate(rows, include_truncated=True), "gue/prom", "dasha")
    assert kept["n"] == 3 and kept["mean"] == pytest.approx((0.5 + 0.6 + 0.99) / 3)


def test_two_recipes_of_one_fm_are_two_rows_with_their_work_counts():
    rows = frame_from({("gue/prom", "dasha"): [0.5]},
                      make_row("gue/prom", "dnabert2", 0, 0.6, recipe="full", n_trials=8,
                               epochs=4, train_samples=6000),
                      make_row("gue/prom", "dnabert2", 0, 0.4, recipe="frozen", n_trials=8,
                               epochs=20, train_samples=6000, config_hash="other"))
    board = aggregate(rows)
    full, frozen = row_of(board, "gue/prom", "dnabert2[full]"), \
        row_of(board, "gue/prom", "dnabert2[frozen]")
    assert (full["recipe"], full["trials"], full["epochs"], full["train_samples"]) == \
        ("full", "8", "4", "6000")
    assert frozen["mean"] == pytest.approx(0.4) and frozen["epochs"] == "20"
    # one recipe only: the plain name
    single = aggregate(frame_from({("gue/prom", "dasha"): [0.5]},
                                  make_row("gue/prom", "dnabert2", 0, 0.6, recipe="full")))
    assert row_of(single, "gue/prom", "dnabert2")["recipe"] == "full"


def test_no_verdict_without_spread_on_seeds_only():
    """Deterministic rows without per-example records: a 0.03% gap is no win or loss."""
    board = aggregate(frame_from({("ltsf/ETTh1-96", "autoar"): [0.4000, 0.4000],
                                  ("ltsf/ETTh1-96", "chronos"): [0.4001, 0.4001]}))
    row = row_of(board, "ltsf/ETTh1-96", "chronos")
    assert row["ci_basis"] == "seeds" and row["delta_ci_low"] == row["delta_ci_high"]
    assert row["verdict"] == ""
    spread = aggregate(frame_from({("ltsf/ETTh1-96", "autoar"): [0.40, 0.41, 0.39],
                                   ("ltsf/ETTh1-96", "chronos"): [0.60, 0.62, 0.61]}))
    assert row_of(spread, "ltsf/ETTh1-96", "chronos")["verdict"] == "loss"


def test_a_baseline_without_a_validation_score_cannot_become_the_reference_by_test():
    rows = [make_row("ltsf/ETTh1-96", "autoar", s, 0.40, best_val_metric=0.60) for s in (0, 1)]
    rows += [make_row("ltsf/ETTh1-96", "dasha", s, 0.30) for s in (0, 1)]   # no val score
    rows += [make_row("ltsf/ETTh1-96", "chronos", s, 0.39) for s in (0, 1)]
    board = aggregate(pd.DataFrame(rows)).set_index("model")
    assert board.loc["chronos", "reference_baseline"] == "autoar"
    assert board.loc["chronos", "reference_selected_by"] == "validation"

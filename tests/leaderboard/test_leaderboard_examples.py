"""Statistics over test examples: rows with known per-example records, every figure checked."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import matthews_corrcoef

from sfmbench.leaderboard import aggregate, summarize
from sfmbench.leaderboard.stats import combine_seeds, iqm, resample_counts, rng_for
from sfmbench.losses import ExampleWriter
from sfmbench.specs import ProblemType, TaskSpec

from .lb_rows import make_row

B = 200


def binary_mcc(t: np.ndarray, p: np.ndarray) -> float:
    """MCC from its definition (checked against sklearn below)."""
    tp, tn = float(((t == 1) & (p == 1)).sum()), float(((t == 0) & (p == 0)).sum())
    fp, fn = float(((t == 0) & (p == 1)).sum()), float(((t == 1) & (p == 0)).sum())
    den = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return (tp * tn - fp * fn) / den if den else 0.0


def write_records(folder, key, spec, preds, targets):
    w = ExampleWriter(spec, len(targets))
    w.add(slice(None), preds, targets)
    w.save(folder / f"{key}.examples.npz")


def classification_rows(tmp_path):
    """gue/prom (MCC): dasha (tuned), linear (untuned: the naive reference), chronos (FM);
    2 seeds each, with known predicted labels per test example."""
    rng = np.random.default_rng(0)
    n = 80
    target = rng.integers(0, 2, n)
    spec = TaskSpec("gue/prom", "genomics", ProblemType.CLASSIFICATION, (5, 70), "mcc", True,
                    ("mcc",), num_classes=2)
    accuracy = {"dasha": 0.8, "linear": 0.6, "chronos": 0.9}
    rows, labels = [], {}
    for model, acc in accuracy.items():
        for seed in range(2):
            pred = np.where(rng.random(n) < acc, target, 1 - target)
            key = f"{model}-{seed}"
            write_records(tmp_path, key, spec, pred, target)
            labels[(model, seed)] = pred
            rows.append(make_row("gue/prom", model, seed, matthews_corrcoef(target, pred),
                                 job_key=key, config_hash=key))
    return pd.DataFrame(rows), target, labels


def test_every_figure_from_known_per_example_records(tmp_path):
    frame, target, labels = classification_rows(tmp_path)
    board = aggregate(frame, n_resamples=B, seed=5, examples_dir=tmp_path).set_index("model")
    assert set(board["ci_basis"]) == {"examples+seeds"}
    # the same draws of test examples for every model (paired), then seeds within replicates
    counts = resample_counts(len(target), 1, B, rng_for(5, "examples", "gue/prom"))
    draws = [np.repeat(np.arange(len(target)), c.astype(int)) for c in counts]
    rep = {}
    for model in ("dasha", "linear", "chronos"):
        per_seed = np.array([[binary_mcc(target[d], labels[(model, s)][d]) for d in draws]
                             for s in range(2)])
        assert per_seed[0, 0] == pytest.approx(
            matthews_corrcoef(target[draws[0]], labels[(model, 0)][draws[0]]))
        rep[model] = combine_seeds(per_seed, rng_for(5, "gue/prom", model))
        row = board.loc[model]
        assert row["mean"] == pytest.approx(np.mean([matthews_corrcoef(target, labels[(model, s)])
                                                     for s in range(2)]))
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(
            tuple(np.quantile(rep[model], [0.025, 0.975])))
    assert board.loc["chronos", "reference_baseline"] == "dasha"
    assert board.loc["chronos", "naive_reference"] == "linear"
    delta = rep["chronos"] - rep["dasha"]
    row = board.loc["chronos"]
    assert (row["delta_ci_low"], row["delta_ci_high"]) == pytest.approx(
        tuple(np.quantile(delta, [0.025, 0.975])))
    assert row["p_beats_reference"] == pytest.approx((delta > 0).mean() + 0.5 * (delta == 0).mean())
    assert row["verdict"] == ("win" if row["delta_ci_low"] > 0 else
                              "loss" if row["delta_ci_high"] < 0 else "tie")
    assert board.loc["dasha", "verdict"] == "reference"
    mean = board["mean"]
    assert row["normalized_score"] == pytest.approx(
        (mean["chronos"] - mean["linear"]) / (mean["dasha"] - mean["linear"]))
    # per-domain summary: one task, so mean = IQM = that task's normalized score
    summary = summarize(frame, aggregate(frame, n_resamples=B, seed=5, examples_dir=tmp_path))
    s = summary.iloc[0]
    norm = (rep["chronos"] - rep["linear"]) / (rep["dasha"] - rep["linear"])
    assert s["mean_normalized_score"] == pytest.approx(row["normalized_score"])
    assert s["iqm_normalized_score"] == pytest.approx(row["normalized_score"])
    assert (s["mean_normalized_ci_low"], s["mean_normalized_ci_high"]) == pytest.approx(
        tuple(np.quantile(norm, [0.025, 0.975])))
    assert (s["iqm_normalized_ci_low"], s["iqm_normalized_ci_high"]) == pytest.approx(
        (s["mean_normalized_ci_low"], s["mean_normalized_ci_high"]))     # one task: IQM = mean
    assert s["p_beats_baseline"] == pytest.approx(row["p_beats_reference"])
    assert (s["wins"], s["ties"], s["losses"]) == (
        int(row["verdict"] == "win"), int(row["verdict"] == "tie"), int(row["verdict"] == "loss"))


def forecast_rows(tmp_path, gap: float, with_records: bool = True):
    """ltsf/ETTh1-96: autoar and dlinear, deterministic (3 equal seeds); dlinear's MSE is
    ``gap`` (relative) above autoar's, per-window errors differ by noise."""
    rng = np.random.default_rng(1)
    windows, horizon = 600, 96
    se_a = rng.gamma(2.0, 0.2, windows)
    se_d = se_a * np.exp(0.2 * rng.standard_normal(windows))
    se_d *= (1 + gap) * se_a.mean() / se_d.mean()
    rows = []
    for model, se in (("autoar", se_a), ("dlinear", se_d)):
        for seed in range(3):
            key = f"{model}-{seed}"
            if with_records:
                np.savez(tmp_path / f"{key}.examples.npz", problem=np.array("forecasting"),
                         horizon=np.array(horizon), num_classes=np.array(0), se=se,
                         ae=np.sqrt(se))
            rows.append(make_row("ltsf/ETTh1-96", model, seed, float(se.mean()),
                                 job_key=key, config_hash=key, kind="baseline",
                                 tuned=model == "autoar"))
    return pd.DataFrame(rows)


def test_autoar_vs_dlinear_a_tiny_gap_is_a_tie_with_real_intervals(tmp_path):
    board = aggregate(forecast_rows(tmp_path, 3e-4), n_resamples=B,
                      examples_dir=tmp_path).set_index("model")
    for model in ("autoar", "dlinear"):
        assert board.loc[model, "ci_high"] > board.loc[model, "ci_low"]   # non-zero width
        assert board.loc[model, "ci_basis"] == "examples+seeds"
    d = board.loc["dlinear"]
    assert d["reference_baseline"] == "autoar" and d["verdict"] == "tie"
    assert d["delta_ci_low"] < 0 < d["delta_ci_high"]
    assert 0.05 < d["p_beats_reference"] < 0.95
    # a large gap on the same examples is a loss
    big = aggregate(forecast_rows(tmp_path, 0.3), n_resamples=B,
                    examples_dir=tmp_path).set_index("model")
    assert big.loc["dlinear", "verdict"] == "loss"


def test_without_records_statistics_fall_back_to_seeds(tmp_path):
    board = aggregate(forecast_rows(tmp_path, 3e-4, with_records=False), n_resamples=B,
                      examples_dir=tmp_path).set_index("model")
    assert set(board["ci_basis"]) == {"seeds"}
    assert board.loc["autoar", "ci_low"] == board.loc["autoar", "ci_high"]   # equal seeds


def test_moving_block_counts():
    rng = np.random.default_rng(0)
    counts = resample_counts(10, 3, 50, rng)
    assert counts.shape == (50, 10) and (counts.sum(axis=1) == 10).all()
    whole = resample_counts(7, 7, 5, rng)
    assert (whole == 1).all()                  # one block covering everything
    assert iqm(np.array([0.0, 1, 2, 3, 4, 5, 6, 100])) == pytest.approx(3.5)


def test_resamples_in_batches_give_the_same_figures(tmp_path, monkeypatch):
    import importlib

    agg_module = importlib.import_module("sfmbench.leaderboard.aggregate")

    frame = forecast_rows(tmp_path, 0.01)
    whole = aggregate(frame, n_resamples=B, examples_dir=tmp_path)
    monkeypatch.setattr(agg_module, "_COUNTS_BUDGET", 600 * 7)     # 7 resamples per batch
    batched = aggregate(frame, n_resamples=B, examples_dir=tmp_path)
    pd.testing.assert_frame_equal(whole, batched)


def test_records_of_an_empty_test_split_fall_back_to_seeds(tmp_path):
    spec = TaskSpec("gue/prom", "genomics", ProblemType.CLASSIFICATION, (5, 70), "mcc", True,
                    ("mcc",), num_classes=2)
    rows = []
    for model, value in (("dasha", 0.5), ("chronos", 0.6)):
        ExampleWriter(spec, 0).save(tmp_path / f"gue/prom|{model}|0.examples.npz")
        rows.append(make_row("gue/prom", model, 0, value))
    board = aggregate(pd.DataFrame(rows), examples_dir=tmp_path)
    assert set(board["ci_basis"]) == {"seeds"}

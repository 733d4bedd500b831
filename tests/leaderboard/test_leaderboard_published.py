"""Published results: cited tables shown as rows of kind `published`, outside every statistic."""
from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

import sfmbench
from sfmbench.errors import DataError
from sfmbench.leaderboard import aggregate, summarize
from sfmbench.leaderboard.published import COLUMNS, load_published
from sfmbench.metrics import metric_names

from .lb_rows import make_row

ROOT = Path(__file__).resolve().parents[2]


def test_tables_cite_their_source_and_use_this_suites_names_and_scales():
    table = load_published()
    assert {"gue.csv", "ltsf.csv"} <= set(table["file"])
    assert (table[list(COLUMNS)].astype(str) != "").all().all()
    registered = set(sfmbench.task_names())
    assert set(table["task"]) <= registered
    assert set(table["metric"]) <= set(metric_names())
    gue = table[table["task"].str.startswith("gue/")]
    assert gue["value"].between(-1, 1).all()                    # MCC x 100 in the paper, / 100 here
    assert set(gue["model"]) >= {"DNABERT (6-mer)", "DNABERT-2 (117M)", "NT-2500M-multi"}
    for task, metric in gue.groupby("task")["metric"].first().items():
        assert sfmbench.create_task(task).spec.primary_metric == metric, task
    assert gue["paper"].str.contains("DNABERT-2").all() and gue["table"].str.contains("Table 6").all()
    ltsf = table[table["task"].str.startswith("ltsf/")]
    assert set(ltsf["model"]) == {"PatchTST/64", "PatchTST/42", "DLinear", "NLinear"}
    assert set(ltsf["metric"]) == {"mse", "mae"}
    one = ltsf[(ltsf["task"] == "ltsf/ETTh1-96") & (ltsf["model"] == "DLinear")]
    assert dict(zip(one["metric"], one["value"])) == {"mse": 0.375, "mae": 0.399}
    assert ltsf["protocol"].str.contains("drop_last").all()


def test_published_rows_stand_beside_measured_ones_and_change_no_statistic():
    frame = pd.DataFrame([make_row("ltsf/ETTh1-96", "autoar", s, 0.38 + 0.01 * s) for s in range(3)]
                         + [make_row("ltsf/ETTh1-96", "chronos", s, 0.40) for s in range(3)])
    plain = aggregate(frame, n_resamples=300)
    shown = aggregate(frame, n_resamples=300, published=load_published())
    pub = shown[shown["kind"] == "published"]
    assert set(pub["task"]) == {"ltsf/ETTh1-96"} and set(pub["metric"]) == {"mse"}
    assert set(pub["model"]) == {"PatchTST/64", "PatchTST/42", "DLinear", "NLinear"}
    assert (pub["n"] == 0).all() and pub["ci_low"].isna().all() and pub["rank"].isna().all()
    assert pub["source"].str.contains("Table 3|AAAI 2023").all()
    measured = shown[shown["kind"] != "published"].reset_index(drop=True)
    pd.testing.assert_frame_equal(measured, plain.reset_index(drop=True))
    assert summarize(frame, shown).equals(summarize(frame, plain))


def test_malformed_table_is_a_clear_error(tmp_path):
    (tmp_path / "x.csv").write_text("task,model,metric,value,paper,table,protocol\n"
                                    "ltsf/ETTh1-96,M,mse,zero,P,T,none\n")
    with pytest.raises(DataError, match="not a number"):
        load_published(tmp_path)
    (tmp_path / "x.csv").write_text("task,model,value\nltsf/ETTh1-96,M,0.3\n")
    with pytest.raises(DataError, match="lacks the column"):
        load_published(tmp_path)
    (tmp_path / "x.csv").write_bytes(b"task,model\n\xff\xfe,\x80\n")
    with pytest.raises(DataError, match="cannot read .* as CSV"):
        load_published(tmp_path)


def test_tables_are_package_data():
    files = {p.name for p in resources.files("sfmbench.leaderboard.published").iterdir()}
    assert {"gue.csv", "ltsf.csv"} <= files
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "sfmbench.leaderboard.published" in conf["packages"]
    assert "*.csv" in conf["package-data"]["sfmbench.leaderboard.published"]

"""Fidelity: canonical LTSF files load as the standard loaders read them (Weather's quirks
kept and reported), strict dates for a user's own CSV, checksums of every known file."""
from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import sfmbench
from sfmbench.errors import DataError
from sfmbench.tasks.timeseries.catalog import DATASETS, SHA256

from .make_weather_fixture import write_weather_fixture

#: docs/reference/datasets.md, "Canonical LTSF file bytes"
KNOWN_SHA256 = {
    "ETTh1.csv": "f18de3ad269cef59bb07b5438d79bb3042d3be49bdeecf01c1cd6d29695ee066",
    "ETTh2.csv": "a3dc2c597b9218c7ce1cd55eb77b283fd459a1d09d753063f944967dd6b9218b",
    "ETTm1.csv": "6ce1759b1a18e3328421d5d75fadcb316c449fcd7cec32820c8dafda71986c9e",
    "ETTm2.csv": "db973ca252c6410a30d0469b13d696cf919648d0f3fd588c60f03fdbdbadd1fd",
    "weather.csv": "34ee981d07313e51da2a50bb600072c8ae4a69cb4b0651f4cb93a069d7a2ba63",
    "exchange_rate.csv": "d55e7aa2641009814a18ba3279431b13f6d413b0eab195b9ff21988d8cf94e97",
    "national_illness.csv": "8594cecb98c6f2f9dc014eca11c4d5d1e38ad5ce6ed0592d4abe65b146fce395",
}


def test_every_canonical_file_with_known_bytes_has_its_checksum():
    by_file = {d.filename: d for d in DATASETS.values()}
    for filename, sha in KNOWN_SHA256.items():
        assert SHA256[by_file[filename].name] == sha, filename
    assert set(SHA256) == {d.name for d in DATASETS.values()} - {"Electricity", "Traffic"}


def test_weather_loads_by_row_index_and_reports_its_quirks(data_dir):
    info = write_weather_fixture(data_dir / "ltsf" / "weather.csv", 2000)
    task = sfmbench.create_task("ltsf/Weather-96", {"lookback": 96})
    shown = json.dumps(task.spec.to_dict(), default=str)
    assert "2020-05-12 06:00:00" in shown and "-9999" in shown     # `tasks show` says it
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = task.load()
    said = " | ".join(str(w.message) for w in caught)
    assert "'wv (m/s)' holds the missing-value sentinel -9999 in 2 row(s)" in said
    assert "'max. wv (m/s)' holds the missing-value sentinel -9999 in 1 row(s)" in said
    assert f"repeats data row {info['repeat_row']}" in said
    # every row kept, in file order; splits by row index (0.7 / 0.1 / 0.2 of 2000 rows)
    assert data.info["borders"] == {"train": [0, 1400], "val": [1400, 1600], "test": [1600, 2000]}
    raw = info["values"]
    mean, std = raw[:1400].mean(0), raw[:1400].std(0)
    np.testing.assert_allclose(data.train.values, (raw[:1400] - mean) / std, rtol=1e-5, atol=1e-5)
    assert len(data.test) == 400 - 96 + 1


def test_weather_task_runs_autoar_through_the_harness(data_dir, tmp_path):
    write_weather_fixture(data_dir / "ltsf" / "weather.csv", 1500)
    from sfmbench.config import make_job
    from sfmbench.runner import RunSettings, run_job
    from sfmbench.store import Store

    job = make_job("ltsf/Weather-96", "autoar", 0, "smoke", {"lookback": 48})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        row = run_job(job, Store(f"sqlite:///{tmp_path / 'r.db'}"),
                      RunSettings(run_dir=tmp_path, show_progress=False))
    assert row.status == "ok", row.error
    records = np.load(tmp_path / "predictions" / f"{job.key}.examples.npz")
    assert len(records["se"]) == row.n_test
    assert records["se"].mean() == pytest.approx(row.metrics["mse"], rel=1e-6)


def test_user_csv_keeps_strict_dates_with_a_switch_to_relax(tmp_path):
    path = tmp_path / "mine.csv"
    write_weather_fixture(path, 600)
    with pytest.raises(DataError, match="strict_dates=false"):
        sfmbench.create_task("ltsf/csv", {"path": str(path), "horizon": 24,
                                          "lookback": 48}).load()
    with pytest.warns(UserWarning, match="repeats data row"):
        data = sfmbench.create_task("ltsf/csv", {"path": str(path), "horizon": 24, "lookback": 48,
                                                 "strict_dates": False}).load()
    assert data.train.values.shape == (420, 21)


def test_checksums_are_enforced_for_cached_files(data_dir, monkeypatch):
    import dataclasses

    path = data_dir / "ltsf" / "weather.csv"
    write_weather_fixture(path, 600)
    monkeypatch.setitem(DATASETS, "Weather",
                        dataclasses.replace(DATASETS["Weather"], sha256=SHA256["Weather"]))
    with pytest.raises(DataError, match="checksum mismatch"):
        sfmbench.create_task("ltsf/Weather-96").load()
    actual = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    assert actual != SHA256["Weather"]

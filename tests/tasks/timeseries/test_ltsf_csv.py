"""``ltsf/csv``: a user's own file, its parameters and every kind of bad input."""
from __future__ import annotations

import numpy as np
import pytest

import sfmbench
from sfmbench.errors import ConfigError, DataError


@pytest.fixture
def csv_file(tmp_path, series_csv):
    """A 1000-row, 3-channel hourly file; returns (path, frame)."""
    path = tmp_path / "mine.csv"
    return path, series_csv(path, 1000, ("load", "temp", "OT"))


def _task(path, **kw):
    return sfmbench.create_task("ltsf/csv", {"path": str(path), "horizon": 24, "lookback": 48,
                                             **kw})


def test_loads_every_channel_with_default_split(csv_file):
    path, df = csv_file
    task = _task(path)
    assert task.spec.input_shape == (48, 3) and task.spec.domain == "timeseries"
    data = task.load()
    assert data.info["borders"] == {"train": [0, 700], "val": [700, 800], "test": [800, 1000]}
    assert data.train.channels == ("load", "temp", "OT")
    assert len(data.test) == 200 - 24 + 1
    raw = df[["load", "temp", "OT"]].to_numpy()
    mean, std = raw[:700].mean(0), raw[:700].std(0)
    np.testing.assert_allclose(data.test.targets.values, (raw[800:] - mean) / std, atol=1e-5)


def test_target_column_and_custom_split_and_date_column(tmp_path, series_csv):
    path = tmp_path / "t.csv"
    df = series_csv(path, 1000, ("a", "b"))
    df.rename(columns={"date": "timestamp"}).to_csv(path, index=False)
    task = _task(path, target="b", date_column="timestamp", split="0.6,0.2,0.2")
    assert task.spec.input_shape == (48, 1)
    data = task.load()
    assert data.train.channels == ("b",) and data.train.values.shape == (600, 1)
    assert data.info["borders"]["val"] == [600, 800]
    data2 = _task(path, target="b", date_column="timestamp", split=[0.6, 0.2, 0.2]).load()
    np.testing.assert_array_equal(data.test.targets.values, data2.test.targets.values)


@pytest.mark.parametrize("params, match", [
    ({"path": None}, "needs the parameter 'path'"),
    ({"horizon": None}, "needs the parameter 'horizon'"),
    ({"horizon": -3}, "not a positive integer"),
    ({"split": [0.5, 0.5]}, "not three fractions"),
    ({"split": [0.8, 0.3, 0.2]}, "sum to 1"),
    ({"split": [0.9, 0.1, 0.0]}, "invalid"),
])
def test_bad_parameters_are_config_errors(csv_file, params, match):
    path, _ = csv_file
    with pytest.raises(ConfigError, match=match):
        sfmbench.create_task("ltsf/csv", {"path": str(path), "horizon": 24, **params})


def test_missing_file(tmp_path):
    task = _task(tmp_path / "absent.csv")
    with pytest.raises(DataError, match="no such file") as err:
        task.load()
    assert err.value.hint


def test_missing_date_column(csv_file):
    path, _ = csv_file
    with pytest.raises(DataError, match="no date column 'time'") as err:
        _task(path, date_column="time").load()
    assert "date_column" in err.value.hint


def test_missing_target(csv_file):
    path, _ = csv_file
    with pytest.raises(DataError, match="no column 'price'") as err:
        _task(path, target="price").load()
    assert "load" in err.value.hint  # lists the columns it could forecast


def test_non_numeric_column(csv_file):
    path, df = csv_file
    df["temp"] = df["temp"].astype(object)
    df.loc[37, "temp"] = "n/a?"
    df.to_csv(path, index=False)
    with pytest.raises(DataError, match=r"column 'temp' .* not numeric: data row 37 \(line 39"):
        _task(path).load()
    assert _task(path, target="OT").load().train.values.shape == (700, 1)  # other column is fine


def test_nan_names_column_and_row(csv_file):
    path, df = csv_file
    df.loc[[512, 600], "OT"] = np.nan
    df.to_csv(path, index=False)
    with pytest.raises(DataError, match=r"column 'OT' .* missing value at data row 512 "
                                        r"\(line 514.*2 missing"):
        _task(path).load()


def test_unparseable_date(csv_file):
    path, df = csv_file
    df.loc[5, "date"] = "yesterday"
    df.to_csv(path, index=False)
    with pytest.raises(DataError, match="data row 5 .* not a date"):
        _task(path).load()


def test_dates_going_back(csv_file):
    path, df = csv_file
    df.loc[[100, 101], "date"] = df.loc[[101, 100], "date"].to_numpy()
    df.to_csv(path, index=False)
    with pytest.raises(DataError, match="goes back in time at data row 101") as err:
        _task(path).load()
    assert "sort" in err.value.hint


def test_duplicate_dates(csv_file):
    path, df = csv_file
    df.loc[300, "date"] = df.loc[299, "date"]
    df.to_csv(path, index=False)
    with pytest.raises(DataError, match="repeats data row 300") as err:
        _task(path).load()
    assert "duplicate" in err.value.hint


@pytest.mark.parametrize("params, split", [({"lookback": 680}, "train"),
                                           ({"horizon": 150}, "val"),
                                           ({"split": [0.85, 0.1, 0.05], "horizon": 60}, "test")])
def test_too_few_rows_for_a_window(csv_file, params, split):
    path, _ = csv_file
    with pytest.raises(DataError, match=f"the {split} split has .* rows, fewer than") as err:
        _task(path, **params).load()
    assert "smaller lookback or horizon" in err.value.hint


def test_not_a_csv(tmp_path):
    path = tmp_path / "bin.csv"
    path.write_bytes(b"\x00\xff\xfe" * 10)
    with pytest.raises(DataError):
        _task(path).load()

"""LTSF tasks: registration, the real loader on the shared ETT files and on generated CSVs in the
real format, split sizes, leakage guards, train-only standardization, download and bad files."""
from __future__ import annotations

import dataclasses
import hashlib
import socket

import numpy as np
import pandas as pd
import pytest

import sfmbench
from sfmbench.errors import ConfigError, DataError
from sfmbench.specs import ProblemType
from sfmbench.tasks.timeseries.catalog import DATASETS

from .ts_fixtures import ETT_COLUMNS, WEATHER_COLUMNS


def _standardize(raw: np.ndarray, train_end: int) -> np.ndarray:
    """Reference: population std like sklearn's StandardScaler."""
    mean, std = raw[:train_end].mean(0), raw[:train_end].std(0)
    return (raw - mean) / std


@pytest.fixture
def weather_like(data_dir, series_csv):
    """A Weather-format file (21 channels, 10-min steps, 2000 rows) in the cache."""
    return series_csv(data_dir / "ltsf" / "weather.csv", 2000, WEATHER_COLUMNS, freq="10min")


# registration and spec --------------------------------------------------------------------------
def test_every_dataset_and_horizon_is_registered():
    names = sfmbench.task_names("ltsf/*")
    assert len(names) == 9 * 4 + 1 and "ltsf/csv" in names
    assert sfmbench.task_names("ltsf/ILI-*") == [f"ltsf/ILI-{h}" for h in (24, 36, 48, 60)]
    assert sfmbench.task_names("ltsf/ETTh1-*") == [f"ltsf/ETTh1-{h}" for h in (192, 336, 720, 96)]
    assert sfmbench.TASKS.metadata("ltsf/Traffic-336")["params"] == {"dataset": "Traffic",
                                                                     "horizon": 336}


def test_spec_declares_the_protocol():
    spec = sfmbench.create_task("ltsf/Electricity-192").spec
    assert spec.domain == "timeseries" and spec.problem is ProblemType.FORECASTING
    assert spec.input_shape == (512, 321) and spec.horizon == 192 and spec.lookback == 512
    assert spec.primary_metric == "mse" and not spec.higher_is_better
    assert spec.metrics == ("mse", "mae")
    assert spec.source.startswith("https://huggingface.co/datasets/thuml/Time-Series-Library/")
    assert spec.license and spec.citation
    ett = sfmbench.create_task("ltsf/ETTm2-96", {"lookback": "336"}).spec
    assert ett.input_shape == (336, 7) and "zhouhaoyi/ETDataset" in ett.source
    assert "[0, 34560)" in ett.splits and "CC BY-ND" in ett.license
    assert sfmbench.create_task("ltsf/ILI-24").spec.lookback == 96


@pytest.mark.parametrize("override, err", [({"horizon": 0}, ConfigError),
                                           ({"lookback": "abc"}, ConfigError),
                                           ({"dataset": "ETTh9"}, ConfigError),
                                           ({"colour": 1}, ConfigError)])
def test_bad_parameters(override, err):
    with pytest.raises(err):
        sfmbench.create_task("ltsf/ETTh1-96", override)


# real data ---------------------------------------------------------------------------------------
@pytest.mark.shared_data
def test_real_etth1_splits_and_standardization(shared_ltsf):
    task = sfmbench.create_task("ltsf/ETTh1-96")
    data = task.load()
    raw = pd.read_csv(shared_ltsf / "ltsf" / "ETTh1.csv")[list(ETT_COLUMNS)].to_numpy()
    std = _standardize(raw[:14400], 8640)
    L, H = 512, 96
    assert data.train.values.shape == (8640, 7) and data.train.start == 0
    assert data.train.first_target == 0 and data.train.channels == ETT_COLUMNS
    assert (data.val.start, data.val.first_target, data.val.end) == (8640 - L, 8640, 11520)
    assert len(data.test) == 2785 == len(data.test.targets)
    inputs = data.test.inputs
    assert inputs.origins[0] == 11520 and inputs.origins[-1] == 14400 - H
    assert inputs.windows.shape == (2785, L, 7)
    np.testing.assert_allclose(inputs.windows[0], std[11520 - L:11520], atol=1e-5)
    np.testing.assert_allclose(inputs.windows[-1], std[14400 - H - L:14400 - H], atol=1e-5)
    np.testing.assert_allclose(data.test.targets.values, std[11520:14400], atol=1e-5)
    np.testing.assert_allclose(data.val.values, std[8640 - L:11520], atol=1e-5)
    np.testing.assert_allclose(data.info["mean"], raw[:8640].mean(0))
    assert data.info["borders"] == {"train": [0, 8640], "val": [8640, 11520],
                                    "test": [11520, 14400]}
    assert data.train.values.dtype == np.float32
    # window i: lookback rows [11520 - L + i, 11520 + i), target rows [11520 + i, 11520 + i + H)
    x, y = data.test.inputs.lookbacks(100, 101)[0], data.test.targets.targets(100, 101)[0]
    np.testing.assert_allclose(x, std[11620 - L:11620], atol=1e-5)
    np.testing.assert_allclose(y, std[11620:11620 + H], atol=1e-5)
    assert data.info["windows"] == {"train": 8640 - L - H + 1, "val": 2880 - H + 1, "test": 2785}


@pytest.mark.shared_data
def test_real_etth2_longest_horizon(shared_ltsf):
    data = sfmbench.create_task("ltsf/ETTh2-720", {"lookback": 96}).load()
    assert len(data.test) == 2880 - 720 + 1
    assert data.info["sha256"] == DATASETS["ETTh2"].sha256
    assert abs(float(data.train.values.mean())) < 1e-4  # standardized on train


# generated files in the real format -------------------------------------------------------------
def test_ratio_split_sizes(weather_like):
    data = sfmbench.create_task("ltsf/Weather-96", {"lookback": 200}).load()
    n = 2000
    train_end, n_test = int(0.7 * n), int(0.2 * n)
    assert data.info["borders"] == {"train": [0, train_end], "val": [train_end, n - n_test],
                                    "test": [n - n_test, n]}
    assert len(data.train.values) == train_end
    assert len(data.val.own) == n - n_test - train_end
    assert len(data.test) == n_test - 96 + 1
    assert data.train.channels == WEATHER_COLUMNS


def test_no_test_target_reaches_a_method(weather_like, data_dir, series_csv):
    before = sfmbench.create_task("ltsf/Weather-96", {"lookback": 200}).load()
    path = data_dir / "ltsf" / "weather.csv"
    df = pd.read_csv(path)
    df.iloc[-96:, 1:] = 1e6  # the final horizon: targets only, never history
    df.to_csv(path, index=False)
    after = sfmbench.create_task("ltsf/Weather-96", {"lookback": 200}).load()
    np.testing.assert_array_equal(before.test.inputs.windows, after.test.inputs.windows)
    np.testing.assert_array_equal(before.train.values, after.train.values)
    np.testing.assert_array_equal(before.val.values, after.val.values)
    assert not np.array_equal(before.test.targets.values, after.test.targets.values)
    # the inputs end exactly `horizon` rows before the end of the series
    end = 2000
    assert after.test.inputs.origins[-1] + 96 == end
    assert after.test.inputs.windows.shape[1] == 200


def test_standardization_uses_train_rows_only(weather_like, data_dir):
    before = sfmbench.create_task("ltsf/Weather-192", {"lookback": 100}).load()
    path = data_dir / "ltsf" / "weather.csv"
    df = pd.read_csv(path)
    df.iloc[1400:, 1:] *= 50  # every validation and test value changes
    df.to_csv(path, index=False)
    after = sfmbench.create_task("ltsf/Weather-192", {"lookback": 100}).load()
    assert before.info["mean"] == after.info["mean"]
    assert before.info["scale"] == after.info["scale"]
    np.testing.assert_array_equal(before.train.values, after.train.values)
    assert not np.allclose(before.test.targets.values, after.test.targets.values)


def test_fixed_split_on_ett_format_file(data_dir, series_csv):
    series_csv(data_dir / "ltsf" / "ETTm1.csv", 57700, freq="15min")
    data = sfmbench.create_task("ltsf/ETTm1-336", {"lookback": 96}).load()
    assert data.info["borders"]["test"] == [46080, 57600] and data.info["rows"] == 57700
    assert len(data.test) == 11520 - 336 + 1


def test_truncated_ett_file_is_rejected(data_dir, series_csv):
    series_csv(data_dir / "ltsf" / "ETTm2.csv", 5000, freq="15min")
    with pytest.raises(DataError, match="5000 rows but its fixed split needs 57600"):
        sfmbench.create_task("ltsf/ETTm2-96").load()


def test_cached_file_with_wrong_checksum_is_rejected(data_dir, series_csv):
    path = data_dir / "ltsf" / "ETTh1.csv"
    series_csv(path, 14400)
    with pytest.raises(DataError) as err:
        sfmbench.create_task("ltsf/ETTh1-96").load()
    msg = str(err.value)
    assert DATASETS["ETTh1"].sha256 in msg and str(path) in msg and "delete" in msg


def test_wrong_number_of_columns_is_rejected(data_dir, series_csv):
    series_csv(data_dir / "ltsf" / "exchange_rate.csv", 1000, ("a", "b", "OT"), freq="D")
    with pytest.raises(DataError, match="3 value columns; Exchange has 8"):
        sfmbench.create_task("ltsf/Exchange-96", {"lookback": 96}).load()


def test_local_path_parameter(tmp_path, data_dir, series_csv):
    path = tmp_path / "elsewhere" / "national_illness.csv"
    series_csv(path, 966, ("% WEIGHTED ILI", "%UNWEIGHTED ILI", "AGE 0-4", "AGE 5-24",
                           "ILITOTAL", "NUM. OF PROVIDERS", "OT"), freq="7D")
    data = sfmbench.create_task("ltsf/ILI-60", {"path": str(path)}).load()
    assert len(data.test) == int(0.2 * 966) - 60 + 1 and data.info["file"] == str(path)
    assert not (data_dir / "ltsf").exists()  # nothing downloaded or copied
    with pytest.raises(DataError, match="no such file"):
        sfmbench.create_task("ltsf/ILI-60", {"path": str(tmp_path / "nope.csv")}).load()


# download ---------------------------------------------------------------------------------------
def test_missing_file_is_downloaded_into_the_cache(data_dir, series_csv, http_dir, monkeypatch):
    url, served = http_dir
    df = series_csv(served / "exchange_rate.csv", 1200, [str(i) for i in range(7)] + ["OT"],
                    freq="D")
    sha = hashlib.sha256((served / "exchange_rate.csv").read_bytes()).hexdigest()
    monkeypatch.setitem(DATASETS, "Exchange", dataclasses.replace(
        DATASETS["Exchange"], url=f"{url}/exchange_rate.csv", sha256=sha))
    data = sfmbench.create_task("ltsf/Exchange-96", {"lookback": 96}).load()
    cached = data_dir / "ltsf" / "exchange_rate.csv"
    assert cached.read_bytes() == (served / "exchange_rate.csv").read_bytes()
    assert data.train.values.shape == (int(0.7 * 1200), 8)
    np.testing.assert_allclose(data.info["mean"][0], df["0"][:840].mean())
    (served / "exchange_rate.csv").unlink()  # the second load reads the cache, not the server
    assert len(sfmbench.create_task("ltsf/Exchange-96", {"lookback": 48}).load().test) == 145


def test_offline_error_names_the_path(data_dir, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/weather.csv"
    monkeypatch.setitem(DATASETS, "Weather", dataclasses.replace(DATASETS["Weather"], url=url))
    with pytest.raises(DataError) as err:
        sfmbench.create_task("ltsf/Weather-96").load()
    assert str(data_dir / "ltsf" / "weather.csv") in str(err.value) and url in str(err.value)

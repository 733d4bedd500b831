"""The generated forecasting family: determinism, known structure, shared windowing, bad params."""
from __future__ import annotations

import numpy as np
import pytest

import sfmbench
from sfmbench.errors import ConfigError, DataError
from sfmbench.tasks.generated.timeseries import generate
from sfmbench.tasks.timeseries.splits import RatioSplit
from sfmbench.tasks.timeseries.windows import build_task_data


def test_variants_are_registered_with_small_defaults():
    names = sfmbench.task_names("generated/ts-*")
    assert names == ["generated/ts-ar-24", "generated/ts-seasonal-24",
                     "generated/ts-seasonal-ar-24"]
    spec = sfmbench.create_task("generated/ts-seasonal-24").spec
    assert spec.input_shape == (96, 4) and spec.horizon == 24
    assert spec.primary_metric == "mse" and not spec.higher_is_better
    assert spec.domain == "generated" and spec.extra["modality"] == "timeseries"
    assert sfmbench.TASKS.metadata("generated/ts-ar-24")["modality"] == "timeseries"


def test_same_seed_same_series_other_seed_other_series():
    a = sfmbench.create_task("generated/ts-seasonal-ar-24", {"seed": 3}).load()
    b = sfmbench.create_task("generated/ts-seasonal-ar-24", {"seed": 3}).load()
    c = sfmbench.create_task("generated/ts-seasonal-ar-24", {"seed": 4}).load()
    np.testing.assert_array_equal(a.train.values, b.train.values)
    np.testing.assert_array_equal(a.test.targets.values, b.test.targets.values)
    assert not np.allclose(a.train.values, c.train.values)


def test_default_sizes_and_the_ltsf_windowing():
    task = sfmbench.create_task("generated/ts-seasonal-ar-24")
    data = task.load()
    assert data.info["borders"] == {"train": [0, 2100], "val": [2100, 2400],
                                    "test": [2400, 3000]}
    assert len(data.test) == 600 - 24 + 1 and data.val.start == 2100 - 96
    assert data.train.channels == ("ch0", "ch1", "ch2", "ch3")
    # exactly what the shared LTSF code path builds from the same raw series
    raw = generate("seasonal-ar", 3000, 4, seed=0).values
    ref = build_task_data(raw, RatioSplit().borders(3000), 96, 24)
    np.testing.assert_array_equal(ref.test.inputs.windows, data.test.inputs.windows)
    assert ref.info["mean"] == data.info["mean"]


def test_ar_coefficients_are_recoverable():
    series = generate("ar", 20000, 2, seed=1, noise=0.5, ar_order=2)
    for c, phi in enumerate(series.ar_coefficients):
        x = series.values[:, c] - series.values[:, c].mean()
        design = np.stack([x[1:-1], x[:-2]], axis=1)
        est, *_ = np.linalg.lstsq(design, x[2:], rcond=None)
        np.testing.assert_allclose(est, phi, atol=0.03)
        resid = x[2:] - design @ np.asarray(phi)
        assert resid.std() == pytest.approx(series.innovation_std[c], rel=0.03)


def test_seasonal_noise_level_is_known_on_the_standardized_scale():
    data = sfmbench.create_task("generated/ts-seasonal-24", {"rows": 8000, "noise": 0.2}).load()
    gen = data.info["generator"]
    assert gen["periods"] == [24, 168] and gen["ar_coefficients"] == []
    v = data.train.values.astype(np.float64)
    # daily and weekly sines cancel at lag 168: what remains is two noise draws
    lag_var = (v[168:] - v[:-168]).var(axis=0)
    np.testing.assert_allclose(lag_var, 2 * np.square(gen["noise_std_standardized"]), rtol=0.08)


def test_rows_and_channels_scale_up():
    data = sfmbench.create_task("generated/ts-ar-24", {"rows": "5000", "channels": "40"}).load()
    assert data.train.values.shape == (3500, 40) and data.test.targets.values.shape == (1000, 40)


@pytest.mark.parametrize("params, err", [({"kind": "chaos"}, ConfigError),
                                         ({"rows": "many"}, ConfigError),
                                         ({"noise": 0}, ConfigError),
                                         ({"split": [1, 2]}, ConfigError)])
def test_bad_parameters(params, err):
    with pytest.raises(err):
        sfmbench.create_task("generated/ts-ar-24", params)


def test_too_short_for_the_windows():
    with pytest.raises(DataError, match="the val split has 20 rows"):
        sfmbench.create_task("generated/ts-ar-24", {"rows": 200}).load()

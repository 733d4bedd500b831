"""Both time-series adapters on tiny real checkpoints: shapes, long horizons, chunking, leakage."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sfmbench import DataError, ForecastInputs, HeldOut, RunContext
from sfmbench.fms.timeseries.chronos import Chronos
from sfmbench.fms.timeseries.timesfm import TimesFM
from tests.fms.tiny_models import (BOLT_PREDICTION_LENGTH, T5_PREDICTION_LENGTH,
                                   TIMESFM_OUTPUT_PATCH)

from .conftest import SmallTask, make_task

#: family -> (adapter, a horizon beyond the checkpoint's native one)
FAMILIES: dict[str, tuple[type, int]] = {
    "chronos-bolt": (Chronos, BOLT_PREDICTION_LENGTH + 5),
    "chronos-t5": (Chronos, T5_PREDICTION_LENGTH + 4),
    "chronos-2": (Chronos, 13),
    "timesfm": (TimesFM, TIMESFM_OUTPUT_PATCH + 3),
}
#: families whose forecasts are deterministic (original Chronos samples)
DETERMINISTIC = ("chronos-bolt", "chronos-2", "timesfm")


def fitted(family: str, folder: Path, ctx: RunContext, **params: Any) -> tuple[Any, SmallTask]:
    cls, horizon = FAMILIES[family]
    task = make_task(horizon=horizon)
    method = cls(task.spec, {"model_id": str(folder), "val_windows": 4, "batch_size": 8,
                             **params}, ctx)
    report = method.fit(task.train, task.val)
    assert report is not None and np.isfinite(report.best_val_metric)
    assert report.extra["source"] == str(folder.resolve())
    return method, task


def sub_inputs(inputs: ForecastInputs, start: int, stop: int) -> ForecastInputs:
    """Windows start..stop of ``inputs`` as the harness would hand a chunk."""
    return inputs.slice(start, stop)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_forecasts_every_channel_beyond_native_horizon(family: str, tiny_checkpoints, ctx):
    method, task = fitted(family, tiny_checkpoints[family], ctx)
    pred = method.predict(task.test)
    assert pred.shape == (len(task.test), task.spec.horizon, 2)
    assert pred.dtype == np.float32 and np.isfinite(pred).all()
    # a model that ignored its input would give identical rows for different windows
    assert not np.allclose(pred[0], pred[-1])
    trainable, total = method.parameter_count()
    assert total and total < 1_000_000


@pytest.mark.parametrize("family", DETERMINISTIC)
def test_chunked_prediction_equals_whole(family: str, tiny_checkpoints, ctx):
    method, task = fitted(family, tiny_checkpoints[family], ctx, batch_size=4)
    whole = method.predict(task.test)
    chunks = [method.predict(sub_inputs(task.test, a, b)) for a, b in ((0, 1), (1, 4), (4, 6))]
    np.testing.assert_allclose(np.concatenate(chunks), whole, rtol=1e-4, atol=1e-5)


def test_sampled_chronos_is_reproducible(tiny_checkpoints, ctx):
    method, task = fitted("chronos-t5", tiny_checkpoints["chronos-t5"], ctx, num_samples=3)
    np.testing.assert_array_equal(method.predict(task.test), method.predict(task.test))


@pytest.mark.parametrize("family", DETERMINISTIC)
def test_window_forecast_uses_only_its_lookback(family: str, tiny_checkpoints, ctx):
    """Changing later rows of the history leaves earlier windows' forecasts unchanged."""
    method, task = fitted(family, tiny_checkpoints[family], ctx)
    base = method.predict(task.test)
    windows = task.test.windows.copy()
    windows[3:] += 5.0                          # windows >= 3 change, earlier ones do not
    changed = method.predict(ForecastInputs(windows, task.test.origins, task.test.horizon))
    np.testing.assert_allclose(changed[:3], base[:3], rtol=1e-4, atol=1e-5)
    assert not np.allclose(changed[3:], base[3:])


@pytest.mark.parametrize("family", ["chronos-bolt", "timesfm"])
def test_model_sees_only_test_inputs(family: str, tiny_checkpoints, ctx, monkeypatch):
    """Every value the model receives comes from the look-back history, never a target."""
    method, task = fitted(family, tiny_checkpoints[family], ctx)
    seen: list[np.ndarray] = []
    original = method.forecast_series
    monkeypatch.setattr(method, "forecast_series",
                        lambda s, h: (seen.append(np.array(s)), original(s, h))[1])
    method.predict(task.test)
    fed = np.unique(np.concatenate([s.ravel() for s in seen]))
    history = set(task.test.windows.ravel().tolist())
    assert set(fed.tolist()) <= history
    future = task.targets.values[-task.spec.horizon:]  # rows after the last origin
    assert not set(future.ravel().tolist()) & set(fed.tolist())
    with pytest.raises(DataError, match="forecasts time series"):
        method.predict(HeldOut(task.test, task.targets))  # type: ignore[arg-type]


def test_predict_rejects_non_forecast_inputs(tiny_checkpoints, ctx):
    method, task = fitted("chronos-2", tiny_checkpoints["chronos-2"], ctx)
    with pytest.raises(DataError):
        method.predict(task.test.lookbacks())  # type: ignore[arg-type]


@pytest.mark.parametrize("recipe", ["full", "lora"])
def test_chronos2_finetunes_and_selects_on_validation(recipe: str, tiny_checkpoints, ctx):
    method, task = fitted("chronos-2", tiny_checkpoints["chronos-2"], ctx, recipe=recipe,
                          search_space={"learning_rate": [1e-3], "num_steps": [2]},
                          n_trials=1, finetune_batch_size=4)
    assert method.pipeline is not None
    pred = method.predict(task.test)
    assert pred.shape == (len(task.test), task.spec.horizon, 2) and np.isfinite(pred).all()


def test_chronos2_finetune_report(tiny_checkpoints, ctx):
    cls, horizon = FAMILIES["chronos-2"]
    task = make_task(horizon=horizon)
    method = cls(task.spec, {"model_id": str(tiny_checkpoints["chronos-2"]), "val_windows": 4,
                             "recipe": "full", "n_trials": 2, "finetune_batch_size": 4,
                             "search_space": {"learning_rate": [1e-4, 1e-2], "num_steps": [2]},
                             "sampler": "grid"}, ctx)
    report = method.fit(task.train, task.val)
    trials = report.extra["trials"]
    assert report.n_trials == 2 and len(trials) == 2
    assert {t["learning_rate"] for t in trials} == {1e-4, 1e-2}
    best = min([t["value"] for t in trials] + [report.extra["zero_shot_val_metric"]])
    assert report.best_val_metric == pytest.approx(best)
    assert report.extra["selected"] in ("finetuned", "zero-shot")
    assert report.hyperparameters["selected"] == report.extra["selected"]
    assert report.hyperparameters["recipe"] == "full"
    assert report.stage_seconds["finetune"] > 0


@pytest.mark.parametrize("family", ["chronos-bolt", "chronos-t5"])
def test_finetuning_needs_chronos2(family: str, tiny_checkpoints, ctx):
    from sfmbench import ConfigError
    with pytest.raises(ConfigError, match="needs a Chronos-2 checkpoint"):
        fitted(family, tiny_checkpoints[family], ctx, recipe="full")

"""Real published checkpoints, when they are in the local Hugging Face cache (slow; opt-in).

Pre-download with ``hf download amazon/chronos-bolt-small`` (etc.) and run
``pytest -m slow tests/fms/timeseries/test_real_checkpoints.py``.
"""
from __future__ import annotations

import numpy as np
import pytest

from sfmbench import SfmbenchError
from sfmbench.fms.base import resolve_source
from sfmbench.fms.timeseries.chronos import Chronos
from sfmbench.fms.timeseries.timesfm import TimesFM

from .conftest import make_task

CHECKPOINTS = [("amazon/chronos-bolt-small", Chronos), ("amazon/chronos-t5-small", Chronos),
               ("amazon/chronos-2", Chronos), ("google/timesfm-2.5-200m-pytorch", TimesFM)]


@pytest.mark.slow
@pytest.mark.parametrize("model_id,cls", CHECKPOINTS)
def test_real_checkpoint_forecasts_a_sine(model_id: str, cls: type, ctx):
    try:
        resolve_source(model_id)
    except SfmbenchError as exc:
        pytest.skip(f"{model_id} is not in the local Hugging Face cache: {exc.message}")
    task = make_task(lookback=96, horizon=24, n_test=8, rows_train=400)
    method = cls(task.spec, {"model_id": model_id, "val_windows": 8}, ctx)
    report = method.fit(task.train, task.val)
    pred = method.predict(task.test)
    mse = float(np.mean((pred - task.targets.targets()) ** 2))
    # a pretrained forecaster beats predicting zero (mse ~0.5) on a clean sine by far
    assert report.best_val_metric < 0.1 and mse < 0.1

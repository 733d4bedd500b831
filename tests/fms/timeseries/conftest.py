"""Fixtures: tiny real checkpoints of each time-series FM family and a small hand-built task."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from sfmbench import ForecastInputs, ForecastTargets, RunContext, SeriesSplit, TaskSpec
from tests.fms.tiny_models import WRITERS


@dataclass
class SmallTask:
    """A standardized 2-channel series split into train/val/test the way the harness does."""

    spec: TaskSpec
    train: SeriesSplit
    val: SeriesSplit
    test: ForecastInputs
    targets: ForecastTargets


def make_task(lookback: int = 32, horizon: int = 12, channels: int = 2, n_test: int = 6,
              rows_train: int = 160, rows_val: int | None = None, seed: int = 0) -> SmallTask:
    rows_val = rows_val or horizon + 8
    rng = np.random.default_rng(seed)
    rows = rows_train + rows_val + n_test + horizon - 1
    t = np.arange(rows)[:, None]
    values = (np.sin(2 * np.pi * t / 12 + np.arange(channels))
              + 0.1 * rng.normal(size=(rows, channels))).astype(np.float32)
    v_end = rows_train + rows_val
    train = SeriesSplit(values[:rows_train], 0, 0, lookback, horizon)
    val = SeriesSplit(values[rows_train - lookback:v_end], rows_train - lookback, rows_train,
                      lookback, horizon)
    test = ForecastInputs.from_history(values[v_end - lookback:v_end + n_test - 1], v_end,
                                       lookback, horizon)
    targets = ForecastTargets(values[v_end:], horizon)
    spec = TaskSpec("test/small", "timeseries", "forecasting", (lookback, channels), "mse",
                    False, ("mse", "mae"), horizon=horizon, lookback=lookback)
    return SmallTask(spec, train, val, test, targets)


@pytest.fixture(scope="session")
def tiny_checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """family name -> folder of a tiny checkpoint written with save_pretrained."""
    root = tmp_path_factory.mktemp("tiny-fms")
    return {name: writer(root / name) for name, writer in WRITERS.items()}


@pytest.fixture
def ctx(tmp_path: Path) -> RunContext:
    return RunContext(device="cpu", budget="smoke", work_dir=tmp_path / "work",
                      show_progress=False)

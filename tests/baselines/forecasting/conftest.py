"""Splits built from synthetic series exactly as the LTSF loaders lay them out."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

from sfmbench.context import RunContext
from sfmbench.data import ForecastInputs, ForecastTargets, SeriesSplit
from sfmbench.specs import TaskSpec


@dataclass
class Splits:
    train: SeriesSplit
    val: SeriesSplit
    inputs: ForecastInputs
    targets: ForecastTargets
    spec: TaskSpec


def build_splits(x: np.ndarray, n_train: int, n_val: int, lookback: int, horizon: int) -> Splits:
    """train [0, n_train), val [n_train, n_train+n_val) with one lookback of borrowed history,
    test = the remaining rows (inputs end at the last origin, targets kept apart)."""
    x = np.asarray(x, dtype=np.float32)
    a, b = n_train, n_train + n_val
    train = SeriesSplit(x[:a], 0, 0, lookback, horizon)
    val = SeriesSplit(x[a - lookback:b], a - lookback, a, lookback, horizon)
    inputs = ForecastInputs.from_history(x[b - lookback:len(x) - horizon], b, lookback, horizon)
    targets = ForecastTargets(x[b:], horizon)
    spec = TaskSpec("synthetic", "generated", "forecasting", (lookback, x.shape[1]), "mse",
                    False, ("mse", "mae"), horizon=horizon, lookback=lookback)
    return Splits(train, val, inputs, targets, spec)


def simulate_ar(coef: np.ndarray, rows: int, channels: int, seed: int = 0,
                intercept: float = 0.0, noise: float = 1.0) -> np.ndarray:
    """A stationary AR process per channel (same coefficients), burn-in dropped."""
    from scipy.signal import lfilter

    rng = np.random.default_rng(seed)
    e = intercept + noise * rng.standard_normal((rows + 500, channels))
    return lfilter([1.0], np.r_[1.0, -np.asarray(coef)], e, axis=0)[500:]


@pytest.fixture
def ctx(tmp_path) -> RunContext:
    return RunContext(device="cpu", work_dir=tmp_path, show_progress=False)


@pytest.fixture
def seasonal_splits() -> Splits:
    """A period-24 series with a slow random walk, 3 channels."""
    rng = np.random.default_rng(0)
    t = np.arange(1600)[:, None]
    x = (np.sin(2 * np.pi * t / 24 + np.arange(3)) + 0.05 * rng.standard_normal((1600, 3)).cumsum(0)
         + 0.1 * rng.standard_normal((1600, 3)))
    return build_splits(x, 1000, 300, 64, 12)


@pytest.fixture
def make_splits() -> Callable[..., Splits]:
    return build_splits

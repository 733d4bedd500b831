"""Data containers passed between tasks, methods and the harness.

The harness alone holds test targets: a method receives :class:`ArrayInputs` or
:class:`ForecastInputs` for the test split, objects that contain no labels. For forecasting, the
harness hands out windows at least ``lookback + horizon`` apart per call, so no object a method
receives holds a target of a window it forecasts, and the final ``horizon`` rows of the series
are never handed out at all.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import DataError


@dataclass
class ArraySplit:
    """A labelled split of sample-wise data (train or validation)."""

    x: np.ndarray                 # (N, C, L) or (N, C, H, W)
    y: np.ndarray                 # see ProblemType for the layout
    meta: dict[str, Any] = field(default_factory=dict)
    #: training-time augmentation ``(x_batch, y_batch) -> (x_batch, y_batch)`` on torch tensors;
    #: tasks set it on the training split only, and the training loop applies it to train batches
    augment: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.x) != len(self.y):
            raise DataError(f"inputs and labels differ in length ({len(self.x)} vs {len(self.y)})",
                            "every sample needs exactly one label")

    def __len__(self) -> int:
        return len(self.x)

    @property
    def inputs(self) -> "ArrayInputs":
        return ArrayInputs(self.x)

    def subset(self, index: np.ndarray) -> "ArraySplit":
        """The samples at ``index`` (same meta and augmentation)."""
        return ArraySplit(self.x[index], self.y[index], dict(self.meta), augment=self.augment)

    def sample(self, size: int | float | None, seed: int) -> "ArraySplit":
        """A seeded random subset without replacement, in the original order: ``size`` samples
        (int) or a fraction (float <= 1); the whole split when ``size`` is None or too large."""
        if size is None:
            return self
        n = int(round(size * len(self))) if isinstance(size, float) and size <= 1 else int(size)
        if n <= 0 or n >= len(self):
            return self
        return self.subset(np.sort(np.random.default_rng(seed).choice(len(self), n,
                                                                       replace=False)))


@dataclass
class ArrayInputs:
    """Inputs only (the test split as a method sees it)."""

    x: np.ndarray

    def __len__(self) -> int:
        return len(self.x)

    def batches(self, size: int) -> Iterator[np.ndarray]:
        for i in range(0, len(self.x), size):
            yield self.x[i:i + size]

    def slice(self, start: int, stop: int) -> "ArrayInputs":
        return ArrayInputs(self.x[start:stop])

    def take(self, indices: np.ndarray) -> "ArrayInputs":
        return ArrayInputs(self.x[indices])


@dataclass
class SeriesSplit:
    """A contiguous, standardized segment of a multichannel series (train or validation).

    ``values[k]`` is absolute row ``start + k``. Forecast targets of this split begin at absolute
    row ``first_target``: rows before it are history borrowed from the previous split (one
    lookback), rows from it on belong to this split.
    """

    values: np.ndarray            # (T, C) float32, standardized with train statistics
    start: int
    first_target: int
    lookback: int
    horizon: int
    channels: tuple[str, ...] = ()

    @property
    def own(self) -> np.ndarray:
        """The rows that belong to this split (without borrowed history)."""
        return self.values[self.first_target - self.start:]

    @property
    def end(self) -> int:
        return self.start + len(self.values)

    @property
    def n_windows(self) -> int:
        """Stride-1 windows whose whole target lies in this split and whose history is complete."""
        first_origin = max(self.first_target, self.start + self.lookback)
        return max(0, self.end - self.horizon - first_origin + 1)

    def window_origins(self) -> np.ndarray:
        first_origin = max(self.first_target, self.start + self.lookback)
        return np.arange(first_origin, first_origin + self.n_windows)

    def windows(self, origins: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Lookbacks (n, L, C) and targets (n, H, C) for the given absolute origins (default: all)."""
        origins = self.window_origins() if origins is None else np.asarray(origins)
        rel = origins - self.start
        v = np.lib.stride_tricks.sliding_window_view(self.values, self.lookback + self.horizon, axis=0)
        w = v[rel - self.lookback].transpose(0, 2, 1)  # (n, L+H, C)
        return w[:, : self.lookback], w[:, self.lookback:]


@dataclass
class ForecastInputs:
    """Test windows as a forecaster sees them: lookbacks and their origins, never targets.

    ``windows[i]`` is the lookback (rows ``origins[i] - lookback .. origins[i] - 1``) of the
    window whose forecast starts at absolute row ``origins[i]``. The task builds one object over
    every stride-1 test window (:meth:`from_history`, a view: no copy); the harness hands a
    method subsets of windows at least ``lookback + horizon`` apart (:meth:`take`), so no object
    a method receives contains a target of any window it is asked to forecast.
    """

    windows: np.ndarray           # (n, L, C)
    origins: np.ndarray           # (n,) absolute row of each window's first forecast step
    horizon: int
    channels: tuple[str, ...] = ()

    @classmethod
    def from_history(cls, history: np.ndarray, first_origin: int, lookback: int, horizon: int,
                     channels: tuple[str, ...] = ()) -> "ForecastInputs":
        """Every stride-1 window of ``history`` (rows ``first_origin - lookback ..``)."""
        windows = np.lib.stride_tricks.sliding_window_view(history, lookback, axis=0)
        windows = windows.transpose(0, 2, 1)
        return cls(windows, first_origin + np.arange(len(windows)), horizon, tuple(channels))

    @property
    def lookback(self) -> int:
        return int(self.windows.shape[1])

    @property
    def n_channels(self) -> int:
        return int(self.windows.shape[2])

    def __len__(self) -> int:
        return len(self.windows)

    def lookbacks(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Lookback windows ``start..stop`` as an (n, L, C) array."""
        return self.windows[start:stop]

    def batches(self, size: int) -> Iterator[tuple[int, np.ndarray]]:
        for i in range(0, len(self), size):
            yield i, self.lookbacks(i, i + size)

    def slice(self, start: int, stop: int) -> "ForecastInputs":
        """Windows ``start..stop`` as their own ForecastInputs."""
        return ForecastInputs(self.windows[start:stop], self.origins[start:stop], self.horizon,
                              self.channels)

    def take(self, indices: np.ndarray) -> "ForecastInputs":
        """A copy holding only the given windows (no view onto the rest of the series)."""
        return ForecastInputs(np.ascontiguousarray(self.windows[indices]),
                              self.origins[indices].copy(), self.horizon, self.channels)


@dataclass
class ForecastTargets:
    """Harness-only: the rows that test windows forecast; window i's target is rows i..i+H."""

    values: np.ndarray            # (n + horizon - 1, C)
    horizon: int

    def __len__(self) -> int:
        return len(self.values) - self.horizon + 1

    def targets(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        stop = len(self) if stop is None else min(stop, len(self))
        v = np.lib.stride_tricks.sliding_window_view(self.values, self.horizon, axis=0)
        return v[start:stop].transpose(0, 2, 1)

    def take(self, indices: np.ndarray) -> np.ndarray:
        v = np.lib.stride_tricks.sliding_window_view(self.values, self.horizon, axis=0)
        return v[indices].transpose(0, 2, 1)


TrainData = ArraySplit | SeriesSplit
TestInputs = ArrayInputs | ForecastInputs


def tuning_subset(train: ArraySplit, size: int | float | None, seed: int) -> ArraySplit:
    """The seeded subset of train that every tuning trial of a job trains on (``size``: the
    budget's ``train_samples``; None = all of train), drawn with ``seed + 1`` for every method,
    so DASHA and an FM of the same budget and seed tune on the very same samples."""
    return train.sample(size, seed + 1)


def array_split(split: TrainData, method: str, name: str) -> ArraySplit:
    """``split`` as the :class:`ArraySplit` an array method needs, else a clear DataError."""
    if not isinstance(split, ArraySplit):
        raise DataError(f"{method} needs array data (genomics or image tasks), got "
                        f"{type(split).__name__} for {name}",
                        "use it on a task whose samples are arrays, not on forecasting series")
    return split


def array_inputs(inputs: TestInputs, method: str) -> ArrayInputs:
    """``inputs`` as the :class:`ArrayInputs` an array method predicts, else a DataError."""
    if not isinstance(inputs, ArrayInputs):
        raise DataError(f"{method} predicts array inputs, got {type(inputs).__name__}",
                        "use it on a task whose samples are arrays, not on forecasting series")
    return inputs


@dataclass
class HeldOut:
    """The test split: inputs (given to the method) and targets (kept by the harness)."""

    inputs: TestInputs
    targets: np.ndarray | ForecastTargets

    def __len__(self) -> int:
        return len(self.inputs)


@dataclass
class TaskData:
    """What a task loader returns."""

    train: TrainData
    val: TrainData
    test: HeldOut
    info: dict[str, Any] = field(default_factory=dict)  # normalization stats, split sizes, ...

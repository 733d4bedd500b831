"""Generated forecasting series with known structure: seasonal terms and/or an AR(p) process.

Deterministic given ``seed``; the innovation noise level is known, so a forecaster's error can
be compared to what is achievable. Split, standardized and windowed by the same code as the
LTSF tasks (:func:`sfmbench.tasks.timeseries.windows.build_task_data`). ``rows`` and
``channels`` scale it up to Electricity-sized (26,000 x 321) or Traffic-sized (17,500 x 862)
series for benchmarks of the engine.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from sfmbench.data import TaskData
from sfmbench.errors import ConfigError
from sfmbench.specs import TaskSpec
from sfmbench.task import Task, TaskEntry

#: seasonal periods in steps (daily and weekly for an hourly series)
PERIODS = (24, 168)
BURN_IN = 500


@dataclass(frozen=True)
class Recipe:
    """Which components a generated series sums (plus Gaussian noise of std ``noise``)."""

    seasonal: bool
    ar: bool
    description: str


RECIPES: dict[str, Recipe] = {
    "seasonal": Recipe(True, False, "daily and weekly sines plus white noise"),
    "ar": Recipe(False, True, "a stationary AR(p) process per channel"),
    "seasonal-ar": Recipe(True, True, "daily and weekly sines plus a stationary AR(p) process"),
}


@dataclass
class GeneratedSeries:
    """Raw values (rows, channels) and the ground truth that produced them."""

    values: np.ndarray
    ar_coefficients: list[list[float]]   # per channel, phi_1..phi_p (empty without AR)
    amplitudes: list[list[float]]        # per channel, one per period (empty without seasons)
    innovation_std: np.ndarray           # per channel, the noise std in raw units


def generate(kind: str, rows: int, channels: int, *, seed: int = 0, noise: float = 0.3,
             ar_order: int = 2) -> GeneratedSeries:
    """Draw a series of the given ``kind`` (a key of :data:`RECIPES`); same seed, same series."""
    from scipy.signal import lfilter

    recipe = RECIPES[kind]
    rng = np.random.default_rng(seed)
    level = rng.normal(0.0, 5.0, channels)
    spread = rng.uniform(0.5, 3.0, channels)
    eps = rng.normal(0.0, noise, (rows + BURN_IN, channels))
    coefs: list[list[float]] = []
    if recipe.ar:
        body = np.empty_like(eps)
        for c in range(channels):
            roots = rng.uniform(0.3, 0.9, ar_order) * rng.choice([1.0, -1.0], ar_order, p=[.8, .2])
            den = np.real(np.poly(roots))  # [1, -phi_1, ..., -phi_p]: stationary by construction
            body[:, c] = lfilter([1.0], den, eps[:, c])
            coefs.append((-den[1:]).tolist())
    else:
        body = eps
    values = body[BURN_IN:]
    amps: list[list[float]] = []
    if recipe.seasonal:
        t = np.arange(rows)[:, None]
        amp = rng.uniform(0.5, 1.5, (len(PERIODS), channels))
        phase = rng.uniform(0.0, 2 * np.pi, (len(PERIODS), channels))
        for k, period in enumerate(PERIODS):
            values = values + amp[k] * np.sin(2 * np.pi * t / period + phase[k])
        amps = amp.T.tolist()
    return GeneratedSeries(level + spread * values, coefs, amps, noise * spread)


class GeneratedSeriesTask(Task):
    """A generated multichannel forecasting task, e.g. ``generated/ts-seasonal-24``."""

    defaults: ClassVar[dict[str, Any]] = {"kind": "seasonal-ar", "rows": 3000, "channels": 4,
                                        "lookback": 96, "horizon": 24, "seed": 0, "noise": 0.3,
                                        "ar_order": 2, "split": (0.7, 0.1, 0.2)}

    def __init__(self, name: str, **params: Any) -> None:
        from sfmbench.tasks.timeseries.params import positive_int
        from sfmbench.tasks.timeseries.splits import RatioSplit

        super().__init__(name, **params)
        cfg = self.params
        if cfg["kind"] not in RECIPES:
            raise ConfigError(f"task {name!r}: unknown kind {cfg['kind']!r}",
                              f"choose one of: {', '.join(RECIPES)}")
        self.kind: str = cfg["kind"]
        self.rows, self.channels, self.lookback, self.horizon, self.ar_order = (
            positive_int(name, k, cfg[k]) for k in ("rows", "channels", "lookback", "horizon",
                                                    "ar_order"))
        self.seed = int(cfg["seed"])
        self.noise = float(cfg["noise"])
        if self.noise <= 0:
            raise ConfigError(f"task {name!r}: noise={self.noise} must be > 0",
                              "give the innovation standard deviation, e.g. task.noise=0.3")
        self.split = RatioSplit.parse(cfg["split"])

    @property
    def spec(self) -> TaskSpec:
        from sfmbench.tasks.timeseries.ltsf import forecasting_spec

        return forecasting_spec(
            self.name, domain="generated", lookback=self.lookback, horizon=self.horizon,
            channels=self.channels, splits=self.split.describe(), source="generated (sfmbench)",
            license="Apache-2.0",
            description=f"{RECIPES[self.kind].description}; {self.rows} rows x {self.channels} "
                        f"channels, noise std {self.noise}, seed {self.seed}",
            extra={"modality": "timeseries", "kind": self.kind, "seed": self.seed,
                   "noise": self.noise})

    def load(self) -> TaskData:
        from sfmbench.tasks.timeseries.windows import build_task_data

        series = generate(self.kind, self.rows, self.channels, seed=self.seed, noise=self.noise,
                          ar_order=self.ar_order)
        data = build_task_data(series.values, self.split.borders(self.rows), self.lookback,
                               self.horizon, [f"ch{c}" for c in range(self.channels)])
        data.info["generator"] = {
            "kind": self.kind, "seed": self.seed, "noise_std": self.noise,
            "periods": list(PERIODS) if RECIPES[self.kind].seasonal else [],
            "ar_coefficients": series.ar_coefficients, "amplitudes": series.amplitudes,
            # the innovation std of each channel on the standardized scale the metrics use
            "noise_std_standardized": (series.innovation_std
                                       / np.asarray(data.info["scale"])).tolist(),
        }
        return data


#: registered variants: name -> kind (all with the small demo defaults)
VARIANTS = {"generated/ts-seasonal-24": "seasonal", "generated/ts-ar-24": "ar",
            "generated/ts-seasonal-ar-24": "seasonal-ar"}


ENTRIES: dict[str, TaskEntry] = {
    name: TaskEntry(f"{__name__}:GeneratedSeriesTask", {"kind": kind}, domain="generated",
                    modality="timeseries", problem="forecasting",
                    tiny=name == "generated/ts-seasonal-24",
                    description=f"generated: {RECIPES[kind].description} "
                                "(3000 rows x 4 channels, lookback 96, horizon 24)")
    for name, kind in VARIANTS.items()
}

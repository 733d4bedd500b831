"""Presto's two pixel-time-series regression tasks: algae blooms and fuel moisture.

Data: the arrays Presto's evaluation code reads (``nasaharvest/presto``,
``presto/eval/{algae_blooms,fuel_moisture}_eval.py``), one ``.npy`` per field under
``<SFMBENCH_DATA>/presto/data/<task>/npy/`` (the layout of Presto's repository, so a checkout of
its ``data/`` folder works as it is); missing files are downloaded from Presto's public bucket.

- ``s1_s2_era5_srtm.npy`` (N, T, 18) raw Sentinel-1, Sentinel-2, ERA5, SRTM and NDVI values;
  ``dynamic_world.npy`` (N, T) land-cover class (9 = missing); ``month.npy`` (N, T) month
  indices; ``latlon.npy`` (N, 2) degrees; ``target.npy`` (N,); ``is_test.npy`` (N,) 0/1;
  fuel moisture also ``site.npy`` (N,).
- Splits (Presto's): test = ``is_test``; the fine-tuning validation carve-out of the remaining
  points is, for algae blooms, the points with latitude > 42.5 and longitude < -92.5, and for
  fuel moisture 8 training sites drawn at random (seeded here: ``val_seed``; Presto's code drew
  them unseeded).
- Inputs: Presto's own fixed normalization (``S1_S2_ERA5_SRTM.normalize``: published shifts
  and divisors per band, B9 dropped, NDVI recomputed), applied by the task so every method sees
  the same values; it is the source's normalization, not fitted on any split. Samples are
  (21, T), channels first: the 17 normalized bands, then four side channels (Dynamic World
  class / 9, month / 11, latitude / 90, longitude / 180), described in ``spec.extra``.
- Target: algae-bloom severity 1-5 and live fuel moisture, both treated as regression as Presto
  does; RMSE (primary, as Presto reports), R^2 and MAE.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from sfmbench.data import ArraySplit, HeldOut, TaskData
from sfmbench.errors import ConfigError, DataError
from sfmbench.specs import ProblemType, TaskSpec
from sfmbench.task import Task, TaskEntry

#: raw bands of s1_s2_era5_srtm.npy, in file order
RAW_BANDS: tuple[str, ...] = ("VV", "VH", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9",
                              "B11", "B12", "temperature_2m", "total_precipitation",
                              "elevation", "slope", "NDVI")
#: Presto's published normalization: (raw + ADD_BY) / DIVIDE_BY, per raw band
ADD_BY: tuple[float, ...] = (25.0, 25.0) + (0.0,) * 11 + (-272.15, 0.0) + (0.0, 0.0) + (0.0,)
DIVIDE_BY: tuple[float, ...] = (25.0, 25.0) + (1e4,) * 11 + (35.0, 0.03) + (2000.0, 50.0) + (1.0,)
NORMED_BANDS: tuple[str, ...] = tuple(b for b in RAW_BANDS if b != "B9")
#: side channels after the bands: name -> divisor (stored value = raw value / divisor)
SIDE_CHANNELS: dict[str, float] = {"dynamic_world": 9.0, "month": 11.0, "latitude": 90.0,
                                   "longitude": 180.0}
CHANNELS: tuple[str, ...] = NORMED_BANDS + tuple(SIDE_CHANNELS)
DW_MISSING = 9

SOURCE = "https://github.com/nasaharvest/presto"
BUCKET_URL = "https://storage.googleapis.com/lem-assets2/eval/{task}/npy/{file}"
CITATION = ("Tseng, Cartuyvels, Zvonkov, Purohit, Rolnick, Kerner. Lightweight, Pre-trained "
            "Transformers for Remote Sensing Timeseries. arXiv:2304.14065, 2023.")
LICENSE = "MIT (code and data, nasaharvest/presto)"


@dataclass(frozen=True)
class PrestoDataset:
    """One of Presto's evaluation tasks as data."""

    folder: str                       # data/<folder>/npy
    timesteps: int
    what: str
    splits: str
    extra_files: tuple[str, ...] = ()
    #: file -> sha256 of the published array (None: not pinned)
    sha256: tuple[tuple[str, str | None], ...] = ()


FILES = ("s1_s2_era5_srtm", "dynamic_world", "month", "latlon", "target", "is_test")

DATASETS: dict[str, PrestoDataset] = {
    "algae-blooms": PrestoDataset(
        "algae_blooms", 12,
        "cyanobacteria bloom severity (1-5, as regression) of 1,122 US Midwest water points, "
        "12 months of S1/S2/ERA5/SRTM before each sample",
        "test: Presto's is_test (lon > -93 and lat < 41); validation: the remaining points with "
        "lat > 42.5 and lon < -92.5; train: the rest (713 / 64 / 345)",
        sha256=(("s1_s2_era5_srtm", "73a8a6c58fd1fa910c4ed1932166387b5ceb543f5a6800f4954ccd9d9c70da40"),
                ("dynamic_world", "1402381605982a166bf3fa3fc5fb0c537a51959f80db1601b2b6e8c0b596799e"),
                ("month", "f3ab45c324bd44cc861fbb1157b860b516ecf10b08d4cd844d06a3ea967e0146"),
                ("latlon", "e5d7c43fd00bc7b75f3327c500e2803315f230b2f5e209d2171da5362e4400b1"),
                ("target", "c35939d38b46c8d5f4984d732ae34c590e87a1e67689ec39f7fbbd135b92145f"),
                ("is_test", "cb86644ff3875d41a4ce6ed6f99f7240761010ec168217494b8f79931d242cac"))),
    "fuel-moisture": PrestoDataset(
        "fuel_moisture", 3,
        "live fuel moisture content (%) of 2,313 western-US samples, 3 months of S1/S2/ERA5/"
        "SRTM before each measurement",
        "test: Presto's is_test (a third of the sites); validation: 8 training sites drawn with "
        "val_seed; train: the other training sites",
        extra_files=("site",)),
}


def presto_normalize(raw: np.ndarray) -> np.ndarray:
    """Presto's ``S1_S2_ERA5_SRTM.normalize``: (N, T, 18) raw -> (N, T, 17) normalized."""
    if raw.ndim != 3 or raw.shape[-1] != len(RAW_BANDS):
        raise DataError(f"s1_s2_era5_srtm has shape {raw.shape}, expected (N, T, "
                        f"{len(RAW_BANDS)})", "use Presto's published arrays")
    x = ((raw + np.asarray(ADD_BY)) / np.asarray(DIVIDE_BY)).astype(np.float32)
    x = x[..., [i for i, b in enumerate(RAW_BANDS) if b != "B9"]]
    b8, b4 = x[..., NORMED_BANDS.index("B8")], x[..., NORMED_BANDS.index("B4")]
    total = b8 + b4
    with np.errstate(divide="ignore", invalid="ignore"):
        x[..., NORMED_BANDS.index("NDVI")] = np.where(total > 0, (b8 - b4) / total, 0.0)
    return x


def pack_inputs(x: np.ndarray, dynamic_world: np.ndarray, month: np.ndarray,
                latlon: np.ndarray) -> np.ndarray:
    """(N, 21, T) float32: normalized bands, then the scaled side channels."""
    n, t, _ = x.shape
    side = np.stack([dynamic_world.astype(np.float32) / SIDE_CHANNELS["dynamic_world"],
                     month.astype(np.float32) / SIDE_CHANNELS["month"],
                     np.repeat(latlon[:, :1], t, 1) / SIDE_CHANNELS["latitude"],
                     np.repeat(latlon[:, 1:], t, 1) / SIDE_CHANNELS["longitude"]], -1)
    return np.concatenate([x, side.astype(np.float32)], -1).transpose(0, 2, 1).copy()


class PrestoTask(Task):
    """One of Presto's pixel-time-series regression tasks (``dataset``: algae-blooms,
    fuel-moisture); ``root`` replaces the data cache as the folder holding
    ``presto/data/<task>/npy`` (a local copy: nothing is downloaded or checksum-pinned there), ``val_seed`` draws fuel moisture's
    validation sites."""

    defaults: ClassVar[dict[str, Any]] = {"dataset": "algae-blooms", "root": None, "val_seed": 42}

    @property
    def dataset(self) -> PrestoDataset:
        name = self.params["dataset"]
        if name not in DATASETS:
            raise ConfigError(f"unknown Presto task {name!r}",
                              f"use one of: {', '.join(DATASETS)}")
        return DATASETS[name]

    @property
    def spec(self) -> TaskSpec:
        d = self.dataset
        return TaskSpec(
            name=self.name, domain="satellite", problem=ProblemType.REGRESSION,
            input_shape=(len(CHANNELS), d.timesteps), primary_metric="rmse",
            higher_is_better=False, metrics=("rmse", "r2", "mae"), splits=d.splits,
            source=SOURCE, license=LICENSE, citation=CITATION,
            description=f"Presto: {d.what}",
            extra={"modality": "satellite", "series": "pixel-timeseries",
                   "normalization": "presto", "channels": list(CHANNELS),
                   "bands": list(NORMED_BANDS),
                   "side_channels": {k: {"index": len(NORMED_BANDS) + i, "scale": s}
                                     for i, (k, s) in enumerate(SIDE_CHANNELS.items())},
                   "dynamic_world_missing": DW_MISSING})

    def folder(self) -> Path:
        from sfmbench.download import data_root
        root = Path(str(self.params["root"])).expanduser() if self.params["root"] else data_root()
        return root / "presto" / "data" / self.dataset.folder / "npy"

    def _array(self, name: str) -> np.ndarray:
        from sfmbench.download import ensure_file
        d = self.dataset
        folder = self.folder()
        path = folder / f"{name}.npy"
        if not path.is_file():
            if self.params["root"]:
                raise DataError(f"missing {path}", f"put Presto's {d.folder}/npy arrays in "
                                f"{folder}")
            url = BUCKET_URL.format(task=d.folder, file=f"{name}.npy")
            path = ensure_file(Path("presto") / "data" / d.folder / "npy" / f"{name}.npy", url,
                               dict(d.sha256).get(name))
        elif not self.params["root"]:   # the cache holds the published files: pinned
            from sfmbench.download import verify
            verify(path, dict(d.sha256).get(name))
        try:
            return np.load(path, allow_pickle=False)
        except (ValueError, OSError) as exc:
            raise DataError(f"cannot read {path}: {exc}",
                            f"replace it with Presto's published {name}.npy") from exc

    def _read(self) -> dict[str, np.ndarray]:
        arrays = {f: self._array(f) for f in (*FILES, *self.dataset.extra_files)}
        n = len(arrays["target"])
        bad = {k: v.shape for k, v in arrays.items() if len(v) != n}
        if bad:
            raise DataError(f"Presto arrays of {self.dataset.folder} differ in length: {bad} "
                            f"(target: {n})", "re-download the task's npy folder")
        t = self.dataset.timesteps
        if arrays["s1_s2_era5_srtm"].shape[1:] != (t, len(RAW_BANDS)):
            raise DataError(f"s1_s2_era5_srtm has shape {arrays['s1_s2_era5_srtm'].shape}, "
                            f"expected (N, {t}, {len(RAW_BANDS)})",
                            "use Presto's published arrays")
        return arrays

    def val_mask(self, arrays: dict[str, np.ndarray], train: np.ndarray) -> np.ndarray:
        """Presto's fine-tuning validation carve-out, over all points (False where test)."""
        if self.params["dataset"] == "algae-blooms":
            lat, lon = arrays["latlon"][:, 0], arrays["latlon"][:, 1]
            return train & (lat > 42.5) & (lon < -92.5)
        sites = arrays["site"]
        choices = np.unique(sites[train])
        if len(choices) <= 8:
            raise DataError(f"fuel moisture has {len(choices)} training sites, need more than 8",
                            "use Presto's published arrays")
        rng = np.random.default_rng(int(self.params["val_seed"]))
        return train & np.isin(sites, rng.choice(choices, size=8, replace=False))

    def load(self) -> TaskData:
        a = self._read()
        x = pack_inputs(presto_normalize(a["s1_s2_era5_srtm"].astype(np.float64)),
                        a["dynamic_world"], a["month"], a["latlon"].astype(np.float64))
        y = a["target"].astype(np.float32)
        test = a["is_test"].astype(bool)
        val = self.val_mask(a, ~test)
        train = ~test & ~val
        meta = {"source": str(self.folder())}
        return TaskData(train=ArraySplit(x[train], y[train], meta),
                        val=ArraySplit(x[val], y[val], meta),
                        test=HeldOut(ArraySplit(x[test], y[test]).inputs, y[test]),
                        info={"n_train": int(train.sum()), "n_val": int(val.sum()),
                              "n_test": int(test.sum()), "normalization": "presto (fixed)"})


#: ``satellite/presto-algae-blooms`` and ``satellite/presto-fuel-moisture``
ENTRIES: dict[str, TaskEntry] = {
    f"satellite/presto-{name}": TaskEntry(f"{__name__}:PrestoTask", {"dataset": name},
                                          domain="satellite", problem="regression",
                                          description=f"Presto: {d.what}")
    for name, d in DATASETS.items()
}

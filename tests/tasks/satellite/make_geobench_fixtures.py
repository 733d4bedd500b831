#!/usr/bin/env python
"""Write small GEO-Bench v1.0 datasets in GEO-Bench's exact on-disk format (like torchgeo's
``tests/data/*/data.py`` scripts), for the loader tests.

Usage: ``python make_geobench_fixtures.py OUT_DIR`` writes

- ``OUT_DIR/classification_v1.0/m-eurosat/`` (single-label, 13 Sentinel-2 bands, 64 x 64),
- ``OUT_DIR/classification_v1.0/m-bigearthnet/`` (multi-label, 43 classes, 12 bands, 120 x 120),
- ``OUT_DIR/segmentation_v1.0/m-chesapeake-landcover/`` (7 classes, 4 bands, 256 x 256),

each with one ``{sample}.hdf5`` per sample (one HDF5 dataset per band, a ``label`` dataset for
masks, and ``attrs["pickle"] = str(pickle.dumps(metadata))`` holding ``bands_order``, per-band
``band_info``/``date``/``transform``/``crs`` records and, for classification, the label), plus
``default_partition.json``, a label-efficiency ``0.50x_train_partition.json``,
``band_stats.json``, ``label_stats.json``, ``label_map.json`` and ``task_specs.pkl``.

The metadata pickles reference ``geobench.dataset.Sentinel2`` etc. exactly as GEO-Bench's
writer does; since geobench is not a dependency, stand-in classes with those module paths are
put in ``sys.modules`` while pickling. :func:`write_all` returns the labels it wrote, per
dataset and sample name, for the tests to compare against.
"""
from __future__ import annotations

import contextlib
import datetime
import json
import pickle
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import h5py
import numpy as np

S2_13 = ["01 - Coastal aerosol", "02 - Blue", "03 - Green", "04 - Red",
         "05 - Vegetation Red Edge", "06 - Vegetation Red Edge", "07 - Vegetation Red Edge",
         "08 - NIR", "08A - Vegetation Red Edge", "09 - Water vapour", "10 - SWIR - Cirrus",
         "11 - SWIR", "12 - SWIR"]
S2_12 = [b for b in S2_13 if not b.startswith("10 ")]
#: m-chesapeake-landcover: ``make_rgb_bands`` + ``SpectralBand("NearInfrared", ...)``
RGBN = ["Red", "Green", "Blue", "NearInfrared"]
#: band-info class GEO-Bench pickles per band name (``geobench/dataset.py``): Sentinel-2 bands
#: are ``Sentinel2`` records, aerial colour bands plain ``SpectralBand`` records
BAND_CLASS = {**{b: "Sentinel2" for b in S2_13}, **{b: "SpectralBand" for b in RGBN}}
#: their wavelengths (micrometres), as geobench/dataset.py and chesapeake_land_cover.py set them
WAVELENGTH = {**dict(zip(S2_13, (0.443, 0.49, 0.56, 0.665, 0.705, 0.74, 0.783, 0.842, 0.865,
                                 0.945, 1.375, 1.61, 2.19))),
              "Red": 0.665, "Green": 0.56, "Blue": 0.49, "NearInfrared": 0.876}
N_SPLIT = {"train": 6, "valid": 3, "test": 3}


def _classes() -> dict[str, dict[str, type]]:
    """Stand-ins for the classes GEO-Bench pickles, keyed by module."""
    def cls(name: str, module: str) -> type:
        def init(self: Any, **kw: Any) -> None:
            self.__dict__.update(kw)
        return type(name, (), {"__init__": init, "__module__": module})
    return {"geobench.dataset": {n: cls(n, "geobench.dataset") for n in
                                 ("Sentinel2", "SpectralBand", "SegmentationClasses")},
            "geobench.label": {n: cls(n, "geobench.label") for n in
                               ("Classification", "MultiLabelClassification",
                                "SemanticSegmentation")},
            "geobench.task": {"TaskSpecifications": cls("TaskSpecifications", "geobench.task")}}


@contextlib.contextmanager
def geobench_modules() -> Iterator[dict[str, dict[str, type]]]:
    classes = _classes()
    saved = {m: sys.modules.get(m) for m in ("geobench", *classes)}
    sys.modules["geobench"] = types.ModuleType("geobench")
    for mod, members in classes.items():
        module = types.ModuleType(mod)
        for name, c in members.items():
            setattr(module, name, c)
        sys.modules[mod] = module
    try:
        yield classes
    finally:
        for m, old in saved.items():
            if old is None:
                sys.modules.pop(m, None)
            else:
                sys.modules[m] = old


def _write_sample(path: Path, bands: dict[str, np.ndarray], band_infos: dict[str, Any],
                  label: Any, label_info: Any) -> None:
    import affine
    from rasterio.crs import CRS

    transform = affine.Affine(10.0, 0.0, 500000.0, 0.0, -10.0, 4000000.0)
    crs = CRS.from_epsg(32633)
    date = datetime.date(2018, 6, 1)
    attr: dict[str, Any] = {}
    order = []
    with h5py.File(path, "w") as fp:
        items = list(bands.items())
        if isinstance(label, np.ndarray) and label.ndim == 2:   # segmentation mask band
            items.append(("label", label))
        for name, data in items:
            fp.create_dataset(name=name, data=data)
            attr[name] = {"date": date, "date_id": date, "spatial_resolution": 10.0,
                          "band_info": label_info if name == "label" else band_infos[name],
                          "meta_info": None, "transform": transform, "crs": crs}
            order.append(name)
        if not (isinstance(label, np.ndarray) and label.ndim == 2):
            attr["label"] = label
        attr["bands_order"] = order
        fp.attrs["pickle"] = str(pickle.dumps(attr))


def write_dataset(root: Path, benchmark: str, folder: str, band_names: list[str], size: int,
                  kind: str, num_classes: int, seed: int) -> dict[str, Any]:
    """One dataset folder; returns ``{sample_name: label}``."""
    rng = np.random.default_rng(seed)
    d = root / benchmark / folder
    d.mkdir(parents=True, exist_ok=True)
    labels: dict[str, Any] = {}
    partition: dict[str, list[str]] = {s: [] for s in N_SPLIT}
    values: dict[str, list[np.ndarray]] = {b: [] for b in band_names}
    with geobench_modules() as c:
        ds_mod, lab_mod = c["geobench.dataset"], c["geobench.label"]
        infos = {b: ds_mod[BAND_CLASS[b]](name=b, alt_names=(), spatial_resolution=10.0,
                                          wavelength=WAVELENGTH[b]) for b in band_names}
        label_info = ds_mod["SegmentationClasses"](name="label", spatial_resolution=10.0,
                                                   n_classes=num_classes, _class_names=None)
        i = 0
        for split, n in N_SPLIT.items():
            for _ in range(n):
                name = f"{folder}_{i:04d}"
                i += 1
                bands = {}
                for k, b in enumerate(band_names):   # band k has its own level and spread
                    a = rng.normal(1000 + 100 * k, 50 + 5 * k, (size, size)).astype(np.int16)
                    bands[b] = a
                    values[b].append(a.ravel())
                if kind == "classification":
                    label: Any = int(rng.integers(0, num_classes))
                elif kind == "multilabel":
                    label = (rng.random(num_classes) < 0.1).astype(np.int64)
                    label[rng.integers(0, num_classes)] = 1
                else:
                    label = rng.integers(0, num_classes, (size, size)).astype(np.int16)
                _write_sample(d / f"{name}.hdf5", bands, infos, label, label_info)
                labels[name] = label
                partition[split].append(name)
        label_type = {"classification": lab_mod["Classification"],
                      "multilabel": lab_mod["MultiLabelClassification"]}.get(kind)
        spec = c["geobench.task"]["TaskSpecifications"](
            dataset_name=folder, benchmark_name=benchmark, patch_size=(size, size),
            n_time_steps=1, bands_info=list(infos.values()),
            label_type=label_type(n_classes=num_classes) if label_type else label_info,
            eval_loss=None, spatial_resolution=10.0)
        (d / "task_specs.pkl").write_bytes(pickle.dumps(spec))
    (d / "default_partition.json").write_text(json.dumps(partition))
    half = {"train": partition["train"][: len(partition["train"]) // 2],
            "valid": partition["valid"], "test": partition["test"]}
    (d / "0.50x_train_partition.json").write_text(json.dumps(half))
    stats = {b: {"min": float(np.min(v)), "max": float(np.max(v)), "mean": float(np.mean(v)),
                 "std": float(np.std(v)), "median": float(np.median(v)),
                 **{f"percentile_{q}".replace(".", "_"): float(np.percentile(v, q))
                    for q in (0.1, 1, 5, 95, 99, 99.9)}}
             for b, v in ((b, np.concatenate(v)) for b, v in values.items())}
    (d / "band_stats.json").write_text(json.dumps(stats, indent=1))
    class_names = [f"class_{k}" for k in range(num_classes)]
    if kind == "segmentation":
        label_map: dict[str, list[str]] = {n: [] for n in class_names}
    else:
        label_map = {n: [s for s, lab in labels.items()
                         if (np.asarray(lab)[k] if kind == "multilabel" else lab == k)]
                     for k, n in enumerate(class_names)}
    (d / "label_map.json").write_text(json.dumps(label_map))
    (d / "label_stats.json").write_text(json.dumps(
        {s: np.atleast_1d(np.asarray(lab)).tolist()[:num_classes] for s, lab in labels.items()}))
    return labels


def write_all(out: Path) -> dict[str, dict[str, Any]]:
    """The three fixture datasets (see the module doc); returns the labels written."""
    out = Path(out)
    return {
        "m-eurosat": write_dataset(out, "classification_v1.0", "m-eurosat", S2_13, 64,
                                   "classification", 10, seed=1),
        "m-bigearthnet": write_dataset(out, "classification_v1.0", "m-bigearthnet", S2_12, 120,
                                       "multilabel", 43, seed=2),
        "m-chesapeake-landcover": write_dataset(out, "segmentation_v1.0",
                                                "m-chesapeake-landcover", RGBN, 256,
                                                "segmentation", 7, seed=3),
    }


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    write_all(Path(sys.argv[1]))
    print(f"wrote GEO-Bench fixtures under {sys.argv[1]}")

"""Reading GEO-Bench's own on-disk format (no geobench package needed).

A dataset folder (``<root>/classification_v1.0/m-eurosat/``) holds one ``{sample}.hdf5`` per
sample (one HDF5 dataset per band, a ``label`` dataset for segmentation masks, and a pickled
metadata dict in ``attrs["pickle"]`` with ``bands_order`` and, for classification, the label),
``{name}_partition.json`` files (``default``, label-efficiency ``0.10x_train``... with lists
``train``/``valid``/``test`` of sample names), ``band_stats.json`` and ``label_map.json``.
Metadata pickles go through :mod:`.safe_pickle`. Band names: each band's GEO-Bench name and
band-info class give its canonical name (:mod:`.geobench_bands`); :func:`read_band_names` reads
them from one sample's metadata without loading any pixels.
"""
from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sfmbench.codecs.bands import band_id
from sfmbench.errors import DataError

from .geobench_bands import RGB_NAMES, canonical_name
from .safe_pickle import Record, load_attr_pickle

SPLITS = ("train", "valid", "test")
RGB = ("red", "green", "blue")


@dataclass
class Sample:
    """One decoded sample: bands (name -> 2-D array, or (H, W, k) for a multi-channel band),
    the label, its metadata and the canonical channel names of each band."""

    name: str
    bands: dict[str, np.ndarray]
    label: Any
    metadata: dict[str, Any]
    names: dict[str, list[str]] = field(default_factory=dict)


def partitions(dataset_dir: Path) -> list[str]:
    """Names of the partitions in a dataset folder (``default``, ``0.10x_train``...)."""
    return sorted(p.name[: -len("_partition.json")] for p in dataset_dir.glob("*_partition.json"))


def read_partition(dataset_dir: Path, name: str = "default") -> dict[str, list[str]]:
    """``{name}_partition.json``: sample names of ``train``, ``valid`` and ``test``."""
    path = dataset_dir / f"{name}_partition.json"
    if not path.is_file():
        have = partitions(dataset_dir)
        raise DataError(f"{dataset_dir} has no partition {name!r} ({path.name} is missing)",
                        f"available: {', '.join(have) or 'none'}; label-efficiency partitions "
                        "are named like 0.10x_train (task.partition=0.10x_train)")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise DataError(f"{path} is not valid JSON: {exc}", "re-download the dataset") from exc
    missing = [s for s in SPLITS if not isinstance(data, dict) or not isinstance(data.get(s), list)]
    if missing:
        raise DataError(f"{path} lacks the split list(s) {missing}",
                        "a GEO-Bench partition maps train, valid and test to sample names")
    out = {s: [str(n) for n in data[s]] for s in SPLITS}
    bad = [n for names in out.values() for n in names
           if not n or "/" in n or "\\" in n or n in (".", "..")]
    if bad:
        raise DataError(f"{path} lists sample names that are not file names: {bad[:3]}",
                        "the partition file is corrupt or malicious: re-download the dataset")
    seen: dict[str, str] = {}
    for split in SPLITS:
        for n in out[split]:
            if seen.setdefault(n, split) != split:
                raise DataError(f"{path}: sample {n!r} is in both {seen[n]!r} and {split!r}",
                                "splits must be disjoint (a test sample must never be trained "
                                "or selected on): re-download the dataset")
    return out


def read_json(dataset_dir: Path, filename: str) -> Any:
    path = dataset_dir / filename
    return json.loads(path.read_text()) if path.is_file() else None


def class_names(dataset_dir: Path, num_classes: int) -> list[str]:
    """Class names from ``label_map.json`` (name -> samples, or a list), else ``class_k``."""
    lm = read_json(dataset_dir, "label_map.json")
    if isinstance(lm, dict) and len(lm) == num_classes:
        return [str(k) for k in lm]
    if isinstance(lm, list) and len(lm) == num_classes:
        return [str(k) for k in lm]
    return [f"class_{k}" for k in range(num_classes)]


def read_sample(path: Path) -> Sample:
    """Decode one ``{sample}.hdf5`` file."""
    with _open(path) as (fp, meta):
        label: Any = None
        bands: dict[str, np.ndarray] = {}
        names: dict[str, list[str]] = {}
        for key, band, canon in _band_table(fp, meta, path):
            if band is None:
                label = np.asarray(fp[key])
                continue
            bands[band] = np.asarray(fp[key])
            names[band] = _channels(canon, bands[band].shape)
    if label is None:
        label = meta.get("label")
    if label is None:
        raise DataError(f"{path} holds no label", "not a GEO-Bench sample file")
    return Sample(path.stem, bands, label, meta, names)


def read_band_names(path: Path) -> dict[str, list[str]]:
    """GEO-Bench band name -> canonical channel names, in file order, from one sample's
    metadata and dataset shapes (no pixels are read)."""
    with _open(path) as (fp, meta):
        return {band: _channels(canon, fp[key].shape)
                for key, band, canon in _band_table(fp, meta, path) if band is not None}


@contextlib.contextmanager
def _open(path: Path) -> Iterator[tuple[Any, dict[str, Any]]]:
    """The open HDF5 file and its decoded metadata dict."""
    import h5py

    if not path.is_file():
        raise DataError(f"sample file {path} is missing",
                        "the partition lists a sample that is not in the folder: re-download "
                        "the dataset")
    try:
        with h5py.File(path, "r") as fp:
            if "pickle" not in fp.attrs:
                raise DataError(f"{path} has no 'pickle' attribute",
                                "not a GEO-Bench sample file")
            meta = load_attr_pickle(fp.attrs["pickle"])
            if not isinstance(meta, dict):
                raise DataError(f"{path}: metadata is a {type(meta).__name__}, expected a dict",
                                "not a GEO-Bench sample file")
            yield fp, meta
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc}", "the file is corrupt or not HDF5: "
                        "re-download the dataset") from exc


def _band_table(fp: Any, meta: dict[str, Any], path: Path
                ) -> list[tuple[str, str | None, str]]:
    """Per HDF5 dataset of ``bands_order``: (dataset key, band name or None for the label,
    canonical name). Several dates of one band keep their dataset names (date suffixes)."""
    order = [str(b) for b in meta.get("bands_order", list(fp.keys()))]
    out: list[tuple[str, str | None, str]] = []
    seen: set[str] = set()
    for key in order:
        if key not in fp:
            raise DataError(f"{path}: band {key!r} of bands_order is not in the file",
                            "the sample file is corrupt: re-download the dataset")
        if key.startswith("label"):
            out.append((key, None, ""))
            continue
        name, kind = _band_info(key, meta.get(key))
        canon = canonical_name(name, kind)
        if name in seen:   # a second date of the band: keep the dataset key's date suffix
            canon += key[len(name):] if key.startswith(name) else f"_{key}"
            name = key
        seen.add(name)
        out.append((key, name, canon))
    return out


def _channels(canon: str, shape: tuple[int, ...]) -> list[str]:
    """A 2-D band is one channel; an (H, W, k) band is k channels ``name_0`` ... ."""
    return [canon] if len(shape) == 2 else [f"{canon}_{i}" for i in range(shape[-1])]


def _band_info(descriptor: str, attrs: Any) -> tuple[str, str]:
    """The band's name and band-info class (from its pickled band info), else its HDF5 dataset
    name and no class."""
    info = attrs.get("band_info") if isinstance(attrs, dict) else None
    if not isinstance(info, Record):
        return descriptor, ""
    name = getattr(info, "name", None)
    return (str(name) if name else descriptor), info.qualname.rsplit(".", 1)[-1]


def select_bands(available: list[str], wanted: str | list[str] | tuple[str, ...] | None,
                 names: dict[str, list[str]] | None = None) -> list[str]:
    """GEO-Bench band names for ``task.bands``: ``all``, ``rgb``, or a list of GEO-Bench or
    canonical names (``08A - Vegetation Red Edge`` or ``B8A``; case-insensitive)."""
    names = names or {}
    if wanted in ("all", None):
        return list(available)
    if wanted == "rgb":
        return [_colour_band(available, names, color, ids) for color, ids in zip(RGB, RGB_NAMES)]
    asked = [w.strip() for w in (wanted.split(",") if isinstance(wanted, str) else wanted)]
    lookup = {b.lower(): b for b in available}
    for b in available:   # canonical names of single-channel bands (B02 matches B2 too)
        chans = names.get(b, [])
        if len(chans) == 1:
            lookup.setdefault(chans[0].lower(), b)
    missing = [n for n in asked if n.lower() not in lookup and band_id(n).lower() not in lookup]
    if missing:
        listed = [f"{b} ({'/'.join(names[b])})" if len(names.get(b, [])) == 1 else b
                  for b in available]
        raise DataError(f"band(s) {missing} not in this dataset",
                        f"available bands: {', '.join(listed)}")
    return [lookup.get(n.lower()) or lookup[band_id(n).lower()] for n in asked]


def channel_names(names: dict[str, list[str]], bands: list[str]) -> list[str]:
    """The canonical names of the channels of ``bands``, in order."""
    return [n for b in bands for n in names.get(b, [b])]


def _colour_band(available: list[str], names: dict[str, list[str]], color: str,
                 ids: frozenset[str]) -> str:
    hits = [b for b in available if names.get(b, [""])[0] in ids and len(names[b]) == 1]
    hits += [b for b in available if b.lower() == color or b.lower().endswith(f"- {color}")]
    if not hits:
        raise DataError(f"no {color} band among {available}",
                        "set task.bands to a list of band names")
    return hits[0]


def stack_bands(sample: Sample, bands: list[str]) -> np.ndarray:
    """(C, H, W) float32; bands smaller than the largest are resampled to it (cubic, as
    GEO-Bench's ``pack_to_3d`` does)."""
    arrays = []
    for b in bands:
        a = np.asarray(sample.bands[b], dtype=np.float32)
        arrays.extend([a] if a.ndim == 2 else list(np.moveaxis(a, -1, 0)))  # (H, W, k) bands
    h = max(a.shape[0] for a in arrays)
    w = max(a.shape[1] for a in arrays)
    out = np.empty((len(arrays), h, w), dtype=np.float32)
    for i, a in enumerate(arrays):
        if a.shape != (h, w):
            from scipy.ndimage import zoom
            a = zoom(a, (h / a.shape[0], w / a.shape[1]), order=3)
        out[i] = a
    return out


def load_split(dataset_dir: Path, names: list[str], bands: str | list[str],
               problem: str) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """Images (N, C, H, W) float32, labels, the GEO-Bench names of the bands taken and the
    canonical names of their channels, of one split."""
    if not names:
        raise DataError(f"an empty split in {dataset_dir}", "check the partition file")
    first = read_sample(dataset_dir / f"{names[0]}.hdf5")
    chosen = select_bands(list(first.bands), bands, first.names)
    x0 = stack_bands(first, chosen)
    x = np.empty((len(names), *x0.shape), dtype=np.float32)
    labels = []
    for i, n in enumerate(names):
        s = first if i == 0 else read_sample(dataset_dir / f"{n}.hdf5")
        xi = stack_bands(s, chosen)
        if xi.shape != x0.shape:
            raise DataError(f"sample {n} has shape {xi.shape}, the first one {x0.shape}",
                            "all samples of a GEO-Bench task share one shape")
        x[i] = xi
        labels.append(_label(s.label, problem, n))
    return x, np.stack(labels), chosen, channel_names(first.names, chosen)


def _label(label: Any, problem: str, name: str) -> np.ndarray:
    arr = np.asarray(label)
    if problem == "classification":
        if arr.size != 1:
            raise DataError(f"sample {name}: expected one class index, got shape {arr.shape}",
                            "is this a multi-label task?")
        return arr.reshape(()).astype(np.int64)
    if problem == "multilabel":
        return arr.reshape(-1).astype(np.int64)
    if arr.ndim == 3 and 1 in (arr.shape[0], arr.shape[-1]):
        arr = arr.squeeze()
    return arr.astype(np.int64)

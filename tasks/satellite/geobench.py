"""GEO-Bench v1.0 tasks (``satellite/<dataset>``, e.g. ``satellite/m-eurosat``), read from
GEO-Bench's own files.

Data location: ``task.root``, else ``$GEO_BENCH_DIR``, else ``<data root>/geobench``; a dataset
lives in ``<root>/<classification_v1.0|segmentation_v1.0>/<folder>/``. When it is missing it is
downloaded from the canonical release (Hugging Face ``recursix/geo-bench-1.0``,
``<benchmark>/<folder>.zip``, sha256 from the hub's LFS metadata; resumable through
:mod:`sfmbench.download`) and unpacked flat into that folder, as ``geobench-download`` does.
Offline, the error names the folder to fill.

Splits: the partition file's ``train``/``valid``/``test`` (``task.partition``, default
``default``; ``0.01x_train`` ... ``1.00x_train`` for the label-efficiency study, which keep the
same validation and test sets). Normalization: per band, fitted on the training split of the
partition in use. Augmentation (flips, 90-degree rotations) on training batches only.

Band names: ``spec.extra['bands']`` lists the canonical name of every input channel (``B1`` ...
``B12``, ``B8A`` for Sentinel-2, ``R``/``G``/``B``/``NIR`` for aerial colour bands, ...; see
:mod:`.geobench_bands`), read from one sample file's metadata when the dataset is on disk (no
pixels are read), else from the bands the catalog declares; ``spec.extra['geobench_bands']``
keeps GEO-Bench's own names. ``task.bands`` selects bands by either name.
"""
from __future__ import annotations

import os
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar

from sfmbench import download
from sfmbench.data import TaskData
from sfmbench.errors import DataError
from sfmbench.specs import TaskSpec
from sfmbench.task import Task

from ..tables import find_dataset
from . import geobench_io as io
from .catalog import BY_NAME, CITATION, SOURCE, GeoBenchDataset
from .geobench_bands import expand
from .imaging import image_spec, image_task_data

HF_REPO = "recursix/geo-bench-1.0"
ROOT_ENV = "GEO_BENCH_DIR"


def geobench_root(root: str | os.PathLike[str] | None = None) -> Path:
    if root:
        return Path(root).expanduser()
    env = os.environ.get(ROOT_ENV)
    return Path(env).expanduser() if env else download.data_root() / "geobench"


def find_dataset_dir(root: Path, ds: GeoBenchDataset) -> Path | None:
    """The dataset's folder under ``root/<benchmark>/`` (any of its names, any case)."""
    bench = root / ds.benchmark
    for folder in ds.folders:
        if (bench / folder).is_dir():
            return bench / folder
    if bench.is_dir():
        wanted = {f.lower() for f in ds.folders}
        for p in bench.iterdir():
            if p.is_dir() and p.name.lower() in wanted:
                return p
    return None


def _how_to_get(root: Path, ds: GeoBenchDataset) -> str:
    target = root / ds.benchmark / ds.folders[0]
    return (f"fill {target}/ with the dataset's files ({{sample}}.hdf5, default_partition.json, "
            f"band_stats.json, label_map.json): download {ds.benchmark}/{ds.folders[0]}.zip from "
            f"https://huggingface.co/datasets/{HF_REPO} and unzip it there (or run "
            f"`geobench-download` and set {ROOT_ENV}); or set task.root")


def fetch_dataset(root: Path, ds: GeoBenchDataset) -> Path:
    """Download and unpack the dataset's zip(s) into ``root/<benchmark>/<folder>/``."""
    target = root / ds.benchmark / ds.folders[0]
    try:
        files = _remote_files(ds)
        archives = [download.fetch(url, root / ds.benchmark / name, sha256)
                    for name, url, sha256 in files]
    except DataError as exc:
        raise DataError(f"GEO-Bench dataset {ds.name} is not in {target} and downloading it "
                        f"failed: {exc.message}", _how_to_get(root, ds)) from exc
    partial = target.with_name(target.name + ".partial")
    for archive in archives:
        extract_flat(archive, partial)
    partial.rename(target)
    for archive in archives:
        archive.unlink(missing_ok=True)
    return target


def _remote_files(ds: GeoBenchDataset) -> list[tuple[str, str, str | None]]:
    """(file name, URL, sha256 of the hub's LFS pointer) of the dataset's zip(s) in the
    release: ``<benchmark>/<folder>.zip``, or its parts ``<folder>_part*.zip`` if split."""
    try:
        from huggingface_hub import HfApi, hf_hub_url
    except ImportError as exc:
        raise DataError("huggingface_hub is not installed",
                        "pip install 'sfmbench[satellite]'") from exc
    try:
        tree = list(HfApi().list_repo_tree(HF_REPO, path_in_repo=ds.benchmark,
                                           repo_type="dataset"))
    except Exception as exc:  # offline, DNS, HTTP errors of the hub client
        raise DataError(f"cannot list {HF_REPO} on the Hugging Face hub: {exc}") from exc
    wanted = {f.lower() for f in ds.folders}
    out = []
    for item in tree:
        name = PurePosixPath(item.path).name
        stem = name[:-4].lower() if name.lower().endswith(".zip") else None
        if stem is not None and (stem in wanted or stem.split("_part")[0] in wanted):
            lfs = getattr(item, "lfs", None)
            out.append((name, hf_hub_url(HF_REPO, item.path, repo_type="dataset"),
                        getattr(lfs, "sha256", None)))
    if not out:
        raise DataError(f"no zip for {ds.name} under {ds.benchmark}/ in {HF_REPO}")
    return sorted(out)


def extract_flat(archive: Path, target: Path) -> int:
    """Unzip every file of ``archive`` into ``target`` by its base name (as GEO-Bench does);
    member paths never decide where a file lands, so nothing escapes ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    written = 0
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                name = PurePosixPath(info.filename.replace("\\", "/")).name
                if info.is_dir() or not name or name.startswith(".") or "__MACOSX" in \
                        info.filename:
                    continue
                with zf.open(info) as src, open(target / name, "wb") as dst:
                    while block := src.read(1 << 20):
                        dst.write(block)
                written += 1
    except zipfile.BadZipFile as exc:
        raise DataError(f"{archive} is not a zip archive: {exc}",
                        "delete it and run again to re-download") from exc
    return written


class GeoBenchTask(Task):
    """One GEO-Bench v1.0 dataset, e.g. ``satellite/m-eurosat``."""

    defaults: ClassVar[dict[str, Any]] = {"dataset": None, "partition": "default", "bands": None,
                                        "root": None, "augment": True, "download": True}

    def __init__(self, name: str, **params: Any) -> None:
        super().__init__(name, **params)
        self.ds: GeoBenchDataset = find_dataset(BY_NAME, self.params["dataset"],
                                                f"GEO-Bench dataset (task {name!r})")
        self.partition = str(self.params["partition"])
        self.bands = self.params["bands"] or self.ds.default_bands
        self._names: tuple[list[str], list[str], str] | None = None   # read from the files
        self._given: list[str] | None = None      # the channel names a spec has given out

    @property
    def spec(self) -> TaskSpec:
        ds = self.ds
        channels, chosen, origin = self.band_names()
        self._given = channels
        return image_spec(
            self.name, ds.problem, (len(channels), ds.pixels, ds.pixels), ds.num_classes,
            primary=ds.primary,
            splits=f"GEO-Bench partition {self.partition!r} ({ds.sizes} for 'default'); "
                   "validation = the partition's 'valid' list",
            source=f"{SOURCE}; {ds.benchmark}/{ds.folders[0]}", license=ds.license,
            citation=CITATION, description=f"GEO-Bench {ds.name}: {ds.what}",
            extra={"modality": "satellite", "benchmark": ds.benchmark,
                   "partition": self.partition, "bands": channels,
                   "band_selection": self.bands, "geobench_bands": chosen,
                   "band_names_from": origin,
                   "normalization": "per band, fitted on the training split",
                   "augmentation": "flips + 90-degree rotations, training batches only"
                   if self.params["augment"] else "none"})

    def band_names(self) -> tuple[list[str], list[str], str]:
        """Canonical channel names of the selected bands, their GEO-Bench band names, and where
        they come from: one sample file of the dataset when it is on disk, else the catalog."""
        if self._names is not None:
            return self._names
        found = find_dataset_dir(geobench_root(self.params["root"]), self.ds)
        sample = _first_sample(found, self.partition) if found is not None else None
        if sample is not None:
            names, origin = io.read_band_names(sample), f"files ({sample.name})"
        else:
            names = {name: [b.name for b in expand(name, name, kind, n)]
                     for kind, name, n in self.ds.band_info}
            origin = "catalog (the dataset is not on disk)"
        chosen = io.select_bands(list(names), self.bands, names)
        result = (io.channel_names(names, chosen), chosen, origin)
        if sample is not None:
            self._names = result
        return result

    def dataset_dir(self) -> Path:
        root = geobench_root(self.params["root"])
        found = find_dataset_dir(root, self.ds)
        if found is not None:
            return found
        if not self.params["download"]:
            raise DataError(f"GEO-Bench dataset {self.ds.name} is not in "
                            f"{root / self.ds.benchmark}", _how_to_get(root, self.ds))
        return fetch_dataset(root, self.ds)

    def load(self) -> TaskData:
        d = self.dataset_dir()
        part = io.read_partition(d, self.partition)
        problem = self.ds.problem.value
        x_tr, y_tr, bands, channels = io.load_split(d, part["train"], self.bands, problem)
        x_va, y_va, _, _ = io.load_split(d, part["valid"], bands, problem)
        x_te, y_te, _, _ = io.load_split(d, part["test"], bands, problem)
        self._check_labels(y_tr, y_va, y_te)
        if self._given is not None and self._given != channels:
            raise DataError(f"{self.name}: the dataset's files name its bands {channels}, but "
                            f"the task spec (from the catalog, before the download) named "
                            f"them {self._given}", "run again: the spec now reads the files")
        return image_task_data(
            (x_tr, y_tr), (x_va, y_va), (x_te, y_te), self.ds.problem, bands=tuple(channels),
            augment=bool(self.params["augment"]),
            info={"dataset_dir": str(d), "partition": self.partition,
                  "class_names": io.class_names(d, self.ds.num_classes),
                  "bands": channels, "geobench_bands": bands,
                  "published_band_stats": io.read_json(d, "band_stats.json") is not None})

    def _check_labels(self, *ys: Any) -> None:
        k = self.ds.num_classes
        for y in ys:
            if self.ds.problem.value == "multilabel":
                bad = y.ndim != 2 or y.shape[1] != k
            else:
                bad = y.size and (y.min() < 0 or y.max() >= k)
            if bad:
                raise DataError(f"{self.name}: labels do not fit {k} classes "
                                f"(shape {y.shape}, range {y.min()}..{y.max()})",
                                "the dataset folder holds a different dataset")


def _first_sample(dataset_dir: Path, partition: str) -> Path | None:
    """The first training sample file of ``partition`` (else of the default partition, else
    any sample file), or None when the folder holds none."""
    for name in dict.fromkeys((partition, "default")):
        try:
            train = io.read_partition(dataset_dir, name)["train"]
        except DataError:
            continue
        if train and (dataset_dir / f"{train[0]}.hdf5").is_file():
            return dataset_dir / f"{train[0]}.hdf5"
    return next(iter(sorted(dataset_dir.glob("*.hdf5"))), None)

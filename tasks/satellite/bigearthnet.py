"""BigEarthNet-S2 v1.0 (``satellite/bigearthnet-19``, ``-43``), through torchgeo.

Data: ``task.root`` (default ``<data root>/bigearthnet``) holds the official layout,
``BigEarthNet-v1.0/<patch>/<patch>_B01.tif ... _B12.tif`` plus ``<patch>_labels_metadata.json``,
or an archive of it (``BigEarthNet-S2-v1.0.tar.gz`` from Zenodo, or any ``.tar.gz``/``.tar.bz2``
in that layout, e.g. the 6-patch ``BigEarthNet-S2-Example.tar.bz2``), which is extracted safely
into the cache (``task.cache``, default ``<user cache>/sfmbench/extracted``), never next to the
archive. Splits: TU Berlin's official 19-class splits (``bigearthnet-{train,val,test}.csv``,
lines ``s2_patch,s1_patch``; cloud, shadow and seasonal-snow patches excluded), looked for in
``task.splits_dir``, the root and the cache, downloaded (md5-checked) when missing.

Loading goes through ``torchgeo.datasets.BigEarthNet`` (bands ``s2``): the 12 bands B01-B12
without B10, each resampled bilinearly to 120 x 120, labels from the CORINE names in the JSON,
mapped to the 43-class or the 19-class nomenclature (torchgeo's copy of TU Berlin's
``label_indices.json``). Per-band normalization fitted on the training split; flips and
rotations on training batches only.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from sfmbench import download
from sfmbench.data import TaskData
from sfmbench.errors import ConfigError, DataError
from sfmbench.specs import ProblemType, TaskSpec
from sfmbench.task import Task

from .archives import extract_tar, md5sum
from .imaging import image_spec, image_task_data

FOLDER = "BigEarthNet-v1.0"
ARCHIVE = "BigEarthNet-S2-v1.0.tar.gz"
ARCHIVE_URL = "https://zenodo.org/records/12687186/files/BigEarthNet-S2-v1.0.tar.gz"
ARCHIVE_MD5 = "5a64e9ce38deb036a435a7b59494924c"
_SPLIT_BASE = ("https://git.tu-berlin.de/rsim/BigEarthNet-MM_19-classes_models/-/raw/"
               "9a5be07346ab0884b2d9517475c27ef9db9b5104/splits/")
#: split -> (file name as torchgeo expects it, URL of TU Berlin's CSV, md5)
SPLIT_FILES = {
    "train": ("bigearthnet-train.csv", _SPLIT_BASE + "train.csv?inline=false",
              "623e501b38ab7b12fe44f0083c00986d"),
    "val": ("bigearthnet-val.csv", _SPLIT_BASE + "val.csv?inline=false",
            "22efe8ed9cbd71fa10742ff7df2b7978"),
    "test": ("bigearthnet-test.csv", _SPLIT_BASE + "test.csv?inline=false",
             "697fb90677e30571b9ac7699b7e5b432"),
}
BANDS = ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B11", "B12")
SIZE = 120


def cache_dir(cache: str | os.PathLike[str] | None = None) -> Path:
    """Where archives are extracted and split files downloaded (never the repo, never the
    data folder the archive sits in)."""
    if cache:
        return Path(cache).expanduser()
    import platformdirs
    return Path(platformdirs.user_cache_dir("sfmbench")) / "extracted" / "bigearthnet"


def patches_dir(root: Path, cache: Path, allow_download: bool) -> Path:
    """The folder holding one sub-folder per patch (extracting an archive when needed)."""
    if (root / FOLDER).is_dir():
        return root / FOLDER
    archives = sorted([p for p in root.glob("*.tar*") if p.is_file()] if root.is_dir() else [],
                      key=lambda p: (p.name != ARCHIVE, p.name))
    if not archives and allow_download:
        try:
            archive = download.fetch(ARCHIVE_URL, root / ARCHIVE)
        except DataError as exc:
            raise DataError(f"BigEarthNet-S2 is not in {root} and downloading it failed: "
                            f"{exc.message}", _how_to_get(root)) from exc
        if md5sum(archive) != ARCHIVE_MD5:
            raise DataError(f"{archive} fails its md5 check ({ARCHIVE_MD5} expected)",
                            f"delete it and run again, or put a verified copy at {archive}")
        archives = [archive]
    if not archives:
        raise DataError(f"BigEarthNet-S2 is not in {root}", _how_to_get(root))
    archive = archives[0]
    stat = archive.stat()
    key = f"{archive.name.split('.tar')[0]}-{stat.st_size}-{int(stat.st_mtime)}"
    return extract_tar(archive, cache / key, FOLDER)


def _how_to_get(root: Path) -> str:
    return (f"put the official layout in {root}/{FOLDER}/ (one folder per patch) or the archive "
            f"{ARCHIVE} ({ARCHIVE_URL}) in {root}/, or set task.root")


def split_file(split: str, dirs: list[Path], cache: Path, allow_download: bool) -> Path:
    name, url, md5 = SPLIT_FILES[split]
    for d in dirs:
        if (d / name).is_file():
            return d / name
    if not allow_download:
        raise DataError(f"the official BigEarthNet split file {name} is in none of "
                        f"{', '.join(map(str, dirs))}",
                        f"download {url} to {dirs[0] / name}, or set task.splits_dir")
    try:
        path = download.fetch(url, cache / name)
    except DataError as exc:
        raise DataError(f"cannot get the official split file {name}: {exc.message}",
                        f"download {url} and put it at {dirs[0] / name} (or set "
                        "task.splits_dir)") from exc
    if md5sum(path) != md5:
        path.unlink(missing_ok=True)
        raise DataError(f"{name} downloaded from {url} fails its md5 check",
                        "retry; the file may have changed upstream")
    return path


class BigEarthNetTask(Task):
    """BigEarthNet-S2 v1.0 multi-label scene classification (19 or 43 classes)."""

    defaults: ClassVar[dict[str, Any]] = {"num_classes": 19, "root": None, "cache": None,
                                        "splits_dir": None, "train_fraction": 1.0,
                                        "subset_seed": 0, "augment": True, "download": True}

    def __init__(self, name: str, **params: Any) -> None:
        super().__init__(name, **params)
        self.num_classes = int(self.params["num_classes"])
        if self.num_classes not in (19, 43):
            raise ConfigError(f"task {name!r}: num_classes={self.num_classes}",
                              "BigEarthNet has the 19-class and the 43-class nomenclature")
        frac = float(self.params["train_fraction"])
        if not 0 < frac <= 1:
            raise ConfigError(f"task {name!r}: train_fraction={frac} must be in (0, 1]",
                              "e.g. task.train_fraction=0.1 (DASHA's 10 % training subset)")
        self.train_fraction = frac

    @property
    def spec(self) -> TaskSpec:
        frac = "" if self.train_fraction == 1 else \
            f"; a random {self.train_fraction:.0%} of train (seed {self.params['subset_seed']})"
        return image_spec(
            self.name, ProblemType.MULTILABEL, (len(BANDS), SIZE, SIZE), self.num_classes,
            primary="map_micro",
            splits="official TU Berlin 19-class splits (bigearthnet-{train,val,test}.csv; "
                   "about 269,695 / 123,723 / 125,866 patches)" + frac,
            source="https://bigearth.net (Zenodo record 12687186, BigEarthNet-S2-v1.0.tar.gz)",
            license="CDLA-Permissive-1.0",
            citation="Sumbul et al., BigEarthNet: A Large-Scale Benchmark Archive for Remote "
                     "Sensing Image Understanding, IGARSS 2019",
            description=f"BigEarthNet-S2 v1.0, 12 Sentinel-2 bands at 120 x 120, "
                        f"{self.num_classes}-class CORINE nomenclature (multi-label)",
            extra={"modality": "satellite", "bands": list(BANDS),
                   "normalization": "per band, fitted on the training split",
                   "augmentation": "flips + 90-degree rotations, training batches only"
                   if self.params["augment"] else "none"})

    def prepared_root(self) -> Path:
        """A folder laid out as torchgeo's BigEarthNet expects: split CSVs + ``FOLDER``."""
        root = Path(self.params["root"]).expanduser() if self.params["root"] else \
            download.data_root() / "bigearthnet"
        cache = cache_dir(self.params["cache"])
        allow = bool(self.params["download"])
        patches = patches_dir(root, cache, allow)
        dirs = [Path(self.params["splits_dir"]).expanduser()] if self.params["splits_dir"] \
            else []
        dirs += [root, cache]
        splits = {s: split_file(s, dirs, cache, allow) for s in SPLIT_FILES}
        view = cache / "view" / hashlib.sha256(
            "|".join(map(str, [patches, *splits.values()])).encode()).hexdigest()[:16]
        view.mkdir(parents=True, exist_ok=True)
        _link(view / FOLDER, patches)
        for s, path in splits.items():
            _link(view / SPLIT_FILES[s][0], path)
        return view

    def load(self) -> TaskData:
        from torchgeo.datasets import BigEarthNet

        view = self.prepared_root()
        datasets = {s: self._open(view, s) for s in SPLIT_FILES}
        index = {s: np.arange(len(ds)) for s, ds in datasets.items()}
        if self.train_fraction < 1:   # only the kept training patches are ever read
            n = len(index["train"])
            rng = np.random.default_rng(int(self.params["subset_seed"]))
            index["train"] = np.sort(rng.choice(n, max(1, round(self.train_fraction * n)),
                                                replace=False))
        check_memory(self.name, {s: len(i) for s, i in index.items()})
        arrays = {s: self._read_split(datasets[s], s, index[s]) for s in SPLIT_FILES}
        return image_task_data(arrays["train"], arrays["val"], arrays["test"],
                               ProblemType.MULTILABEL, bands=BANDS,
                               augment=bool(self.params["augment"]), inplace=True,
                               info={"class_names": list(BigEarthNet.class_sets[self.num_classes]),
                                     "prepared_root": str(view)})

    def _open(self, view: Path, split: str) -> Any:
        from torchgeo.datasets import BigEarthNet

        try:
            ds = BigEarthNet(root=str(view), split=split, bands="s2",
                             num_classes=self.num_classes, download=False)
        except Exception as exc:  # torchgeo's DatasetNotFoundError and friends
            raise DataError(f"torchgeo cannot open BigEarthNet in {view}: {exc}",
                            _how_to_get(view)) from exc
        if not len(ds):
            raise DataError(f"the {split} split of BigEarthNet is empty", "check the split CSV")
        return ds

    def _read_split(self, ds: Any, split: str, index: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
        x = np.empty((len(index), len(BANDS), SIZE, SIZE), dtype=np.float32)
        y = np.empty((len(index), self.num_classes), dtype=np.int64)
        for j, i in enumerate(index):
            folder = ds.folders[i]["s2"]
            if not os.path.isdir(folder):
                raise DataError(f"patch folder {folder} of the {split} split is missing",
                                "the patches do not match the split files; check task.root")
            try:
                sample = ds[i]
            except (KeyError, IndexError, OSError) as exc:
                raise DataError(f"cannot read patch {folder}: {exc!r}",
                                "the patch is incomplete or has an unknown CORINE label") from exc
            image = sample["image"].numpy()
            if image.shape != (len(BANDS), SIZE, SIZE):
                raise DataError(f"patch {folder} gives an image of shape {image.shape}",
                                f"each patch needs the 12 band files {', '.join(BANDS)}")
            x[j], y[j] = image, sample["label"].numpy()
        return x, y


def check_memory(task: str, sizes: dict[str, int], available: int | None = None) -> None:
    """Refuse, before reading, splits that cannot fit in memory: every patch is held as
    12 x 120 x 120 float32 (691 kB; normalized in place), so the official splits (269,695 +
    123,723 + 125,866 patches) need 359 GB."""
    import psutil

    per_patch = len(BANDS) * SIZE * SIZE * 4
    need = per_patch * sum(sizes.values())
    available = psutil.virtual_memory().available if available is None else available
    if need > 0.9 * available:
        counts = ", ".join(f"{s} {n:,}" for s, n in sizes.items())
        raise DataError(f"task {task!r} holds its splits in memory: {counts} patches need "
                        f"{need / 1e9:.1f} GB, and {available / 1e9:.1f} GB are available",
                        "sfmbench does not stream splits from disk yet: use a machine with that "
                        "much memory, or a smaller task.train_fraction (the validation and test "
                        "splits are always read whole)")


def _link(link: Path, target: Path) -> None:
    if link.is_symlink() or link.exists():
        if link.resolve() == target.resolve():
            return
        link.unlink()
    link.symlink_to(target.resolve(), target_is_directory=target.is_dir())

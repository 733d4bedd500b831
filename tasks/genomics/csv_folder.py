"""Folders of ``train.csv`` / ``dev.csv`` / ``test.csv`` with header ``sequence,label``.

This is the GUE format, and the format of a user's own task (``genomics/csv task.path=DIR``).
``dev.csv`` is the validation split; when a user's folder has none, a stratified 10 % of train
(seed 42) is held out instead.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from sfmbench.errors import ConfigError, DataError

from ..tables import find_dataset
from .base import SequenceTask
from .catalog import GUE, GUE_CITATION, GUE_SOURCE, GUE_URL, GUEDataset
from .paths import benchmark_dir
from .sequences import SequenceTable, read_csv_table

SPLIT_FILES = {"train": "train.csv", "val": "dev.csv", "test": "test.csv"}


def read_csv_folder(folder: Path, *, require_dev: bool, how_to_get: str
                    ) -> tuple[SequenceTable, SequenceTable | None, SequenceTable]:
    """Read the splits of one folder; a missing file is a DataError saying how to get it."""
    required = ["train", "test"] + (["val"] if require_dev else [])
    missing = [SPLIT_FILES[s] for s in required if not (folder / SPLIT_FILES[s]).is_file()]
    if missing:
        raise DataError(f"data not found: {', '.join(str(folder / m) for m in missing)}",
                        how_to_get)
    dev = folder / SPLIT_FILES["val"]
    return (read_csv_table(folder / SPLIT_FILES["train"]),
            read_csv_table(dev) if dev.is_file() else None,
            read_csv_table(folder / SPLIT_FILES["test"]))


class CSVTask(SequenceTask):
    """A user's own task: ``genomics/csv task.path=DIR`` (``train.csv``, ``test.csv``,
    optional ``dev.csv``; header ``sequence,label``, labels 0..K-1).

    The padded length is the longest training sequence unless ``length`` is given; longer
    validation/test sequences are an error unless ``crop`` is true.
    """

    defaults: ClassVar[dict[str, Any]] = {"path": None, "length": None, "crop": False,
                                        "num_classes": None}

    @property
    def folder(self) -> Path:
        path = self.params.get("path")
        if not path:
            raise ConfigError(f"task {self.name!r} needs a data folder",
                              "pass task.path=DIR with train.csv, test.csv and optionally "
                              "dev.csv (header `sequence,label`)")
        return Path(str(path)).expanduser()

    def read_splits(self) -> tuple[SequenceTable, SequenceTable | None, SequenceTable]:
        folder = self.folder
        if not folder.is_dir():
            raise DataError(f"task folder {folder} does not exist",
                            "task.path must be a folder holding train.csv, test.csv and "
                            "optionally dev.csv (header `sequence,label`)")
        return read_csv_folder(folder, require_dev=False,
                               how_to_get="put train.csv and test.csv (header `sequence,label`) "
                                          "in that folder; dev.csv is optional")

    def declared_classes(self) -> int | None:
        k = self.params.get("num_classes")
        if k is None:
            return None
        from sfmbench.parsing import parse_int

        from .sequences import MAX_CLASSES
        return parse_int(k, "task.num_classes", minimum=2, maximum=MAX_CLASSES)

    def identity(self) -> str | None:
        """``<folder>:<sha256 prefix>`` over the split files: a changed file is a new job."""
        from sfmbench.download import content_identity

        folder = self.folder
        files = [folder / SPLIT_FILES[s] for s in ("train", "val", "test")
                 if (folder / SPLIT_FILES[s]).is_file()]
        if not folder.is_dir() or not files:
            raise DataError(f"task folder {folder} does not exist or holds no split files",
                            "task.path must be a folder holding train.csv, test.csv and "
                            "optionally dev.csv (header `sequence,label`)")
        return content_identity(*files, label=folder.name)

    def split_description(self) -> str:
        return "train.csv / dev.csv (else stratified 10% of train, seed 42) / test.csv"

    def description(self) -> str:
        return f"user CSV task from {self.params.get('path')}"


class GUETask(CSVTask):
    """One of the 28 GUE datasets, read from ``<data root>/gue/<group>/<folder>/``; when absent
    (and ``download`` is true) the published zip is fetched and unpacked there first."""

    defaults: ClassVar[dict[str, Any]] = {"dataset": None, "root": None, "length": None,
                                        "crop": False, "download": True}
    source_url: ClassVar[str] = GUE_SOURCE
    citation: ClassVar[str] = GUE_CITATION
    license: ClassVar[str] = "see the DNABERT-2 repository (GUE)"

    @property
    def dataset(self) -> GUEDataset:
        return find_dataset(GUE, self.params["dataset"], "GUE dataset")

    @property
    def folder(self) -> Path:
        d = self.dataset
        return benchmark_dir("gue", self.params.get("root")) / d.group / d.folder

    def read_splits(self) -> tuple[SequenceTable, SequenceTable | None, SequenceTable]:
        d, folder = self.dataset, self.folder
        root = folder.parent.parent
        how = (f"download the GUE zip from {GUE_URL} (Google Drive), unzip it and move the "
               f"contents of its GUE/ folder to {root}/ so that {root}/{d.group}/{d.folder}/ "
               "holds train.csv, dev.csv and test.csv (or point SFMBENCH_DATA / task.root at "
               "the folder that contains gue/)")
        if not all((folder / f).is_file() for f in SPLIT_FILES.values()):
            if not self.params.get("download"):
                raise DataError(f"GUE data not found in {folder} (task.download=false)", how)
            from .gue_archive import fetch_gue
            fetch_gue(root, how)
        return read_csv_folder(folder, require_dev=True, how_to_get=how)

    def identity(self) -> str | None:
        return None  # a canonical dataset: its name identifies it

    def declared_length(self) -> int | None:
        return self.dataset.length

    def declared_classes(self) -> int | None:
        return self.dataset.classes

    @property  # type: ignore[override]
    def primary_metric(self) -> str:
        """The metric GUE reports for this dataset (covid: macro F1; the others: MCC)."""
        return self.dataset.metric

    @property  # type: ignore[override]
    def metrics(self) -> tuple[str, ...]:
        return (self.primary_metric, *(m for m in CSVTask.metrics if m != self.primary_metric))

    def split_description(self) -> str:
        return "GUE train.csv / dev.csv (validation) / test.csv"

    def description(self) -> str:
        d = self.dataset
        return f"GUE {d.group}/{d.folder}: {d.what}, {d.length} bp, {d.classes} classes"

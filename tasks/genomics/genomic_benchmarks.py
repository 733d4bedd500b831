"""The 8 tasks of Genomic Benchmarks, through the package's own download path.

``genomic_benchmarks.loc2seq.download_dataset`` turns the published interval lists into a
folder ``<dest>/<name>/{train,test}/<class>/<id>.txt`` (one sequence per file); we point its
``dest_path`` at ``<data root>/genomic-benchmarks`` and read that folder. Class labels are the
class folder names in sorted order (the package's own getter uses directory order, which is not
stable). There is no validation split: a stratified 10 % of train (seed 42) is held out.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from sfmbench.errors import ConfigError, DataError

from ..tables import find_dataset
from .base import SequenceTask
from .catalog import GB_CITATION, GENOMIC_BENCHMARKS, GBDataset
from .paths import benchmark_dir
from .sequences import SequenceTable

SPLITS = ("train", "test")


def read_class_folders(split_dir: Path) -> tuple[SequenceTable, list[str]]:
    """Read ``<split>/<class>/*.txt``; labels follow the sorted class names."""
    classes = sorted(p.name for p in split_dir.iterdir() if p.is_dir())
    if not classes:
        raise DataError(f"{split_dir} has no class folders",
                        "expected <split>/<class>/<id>.txt files; delete the folder and "
                        "download again")
    seqs: list[str] = []
    labels: list[int] = []
    for label, cls in enumerate(classes):
        files = sorted((split_dir / cls).glob("*.txt"))
        seqs.extend(f.read_text().strip() for f in files)
        labels.extend([label] * len(files))
    return SequenceTable(seqs, np.asarray(labels, dtype=np.int64), str(split_dir)), classes


def download(name: str, dest: Path) -> None:
    """Materialize one dataset with the package's downloader (interval lists -> sequences)."""
    try:
        from genomic_benchmarks.loc2seq import download_dataset
    except ImportError as exc:
        raise ConfigError("Genomic Benchmarks tasks need the `genomic-benchmarks` package",
                          "pip install 'sfmbench[genomics]' (or pip install "
                          "genomic-benchmarks)") from exc
    dest.mkdir(parents=True, exist_ok=True)
    try:
        download_dataset(name, dest_path=dest, cache_path=dest / "fasta")
    except Exception as exc:
        raise DataError(f"downloading Genomic Benchmarks dataset {name!r} failed "
                        f"({type(exc).__name__}: {exc})",
                        f"check the connection and retry, or run genomic_benchmarks.loc2seq."
                        f"download_dataset({name!r}, dest_path={str(dest)!r}) yourself; the "
                        f"result must be {dest / name}/{{train,test}}/<class>/*.txt") from exc


class GenomicBenchmarkTask(SequenceTask):
    """One Genomic Benchmarks dataset, e.g. ``genomic-benchmarks/human_nontata_promoters``."""

    #: crop None: crop only the variable-length sets (to their declared cap)
    defaults: ClassVar[dict[str, Any]] = {"dataset": None, "root": None, "length": None,
                                        "crop": None}
    primary_metric: ClassVar[str] = "accuracy"
    metrics: ClassVar[tuple[str, ...]] = ("accuracy", "f1", "mcc")
    source_url: ClassVar[str] = ("https://github.com/ML-Bioinfo-CEITEC/genomic_benchmarks "
                                 "(PyPI genomic-benchmarks)")
    citation: ClassVar[str] = GB_CITATION
    license: ClassVar[str] = "Apache-2.0 (package); sequences from Ensembl/UCSC references"

    @property
    def dataset(self) -> GBDataset:
        return find_dataset(GENOMIC_BENCHMARKS, self.params["dataset"],
                            "Genomic Benchmarks dataset")

    @property
    def folder(self) -> Path:
        return benchmark_dir("genomic-benchmarks", self.params.get("root")) / self.dataset.name

    def read_splits(self) -> tuple[SequenceTable, SequenceTable | None, SequenceTable]:
        folder = self.folder
        if not all((folder / s).is_dir() for s in SPLITS):
            download(self.dataset.name, folder.parent)
        (train, classes), (test, test_classes) = (read_class_folders(folder / s) for s in SPLITS)
        if classes != test_classes:
            raise DataError(f"{folder}: train classes {classes} differ from test classes "
                            f"{test_classes}", "delete the folder and download again")
        return train, None, test

    def declared_length(self) -> int | None:
        return self.dataset.length

    def declared_classes(self) -> int | None:
        return self.dataset.classes

    def crop(self) -> bool:
        crop = self.params.get("crop")
        return self.dataset.variable if crop is None else bool(crop)

    def split_description(self) -> str:
        return "train (minus a stratified 10% validation hold-out, seed 42) / test"

    def description(self) -> str:
        d = self.dataset
        size = f"up to {d.length} bp (cropped)" if d.variable else f"{d.length} bp"
        return f"Genomic Benchmarks {d.name}, {size}, {d.classes} classes"

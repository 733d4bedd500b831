"""Nucleotide Transformer downstream tasks (18 tasks, original and revised releases).

Each HF dataset repo holds one folder per task with ``train``/``test`` data as Parquet
(``train.parquet``: columns ``sequence``, ``label``, plus ``name``/``task``) and as FASTA
(``train.fna``: headers ``>name|label``). ``datasets`` no longer runs the repos' loading
scripts, so we read the data files themselves:

1. local files under ``<data root>/<release>/<task>/`` (``train.parquet`` or ``train.fna``,
   same for test) when present, for offline use;
2. otherwise the Parquet files from the Hub via ``datasets.load_dataset("parquet",
   data_files="hf://datasets/<repo>/<task>/<split>.parquet")`` (cached by ``datasets``).

There is no validation split: a stratified 10 % of train (seed 42) is held out, as in DASHA.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from sfmbench.errors import ConfigError, DataError

from ..tables import find_dataset
from .base import SequenceTask
from .catalog import NT_CITATION, NT_RELEASES, NTDataset
from .paths import benchmark_dir
from .sequences import SequenceTable, table_from_frame

SPLITS = ("train", "test")


def read_fasta(path: Path) -> SequenceTable:
    """Read an NT ``.fna`` file: records ``>name|label`` followed by sequence lines."""
    seqs: list[str] = []
    labels: list[int] = []
    chunks: list[str] = []
    with open(path) as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.strip()
            if line.startswith(">"):
                if labels:
                    seqs.append("".join(chunks))
                head = line[1:].rsplit("|", 1)
                if len(head) != 2 or not head[1].strip().lstrip("-").isdigit():
                    raise DataError(f"{path}:{lineno}: FASTA header {line!r} has no integer "
                                    "label", "headers must read `>name|label`, e.g. `>seq1|0`")
                labels.append(int(head[1]))
                chunks = []
            elif line:
                if not labels:
                    raise DataError(f"{path}:{lineno}: sequence before the first `>` header",
                                    "a FASTA file starts with a `>name|label` line")
                chunks.append(line)
    if labels:
        seqs.append("".join(chunks))
    if not seqs:
        raise DataError(f"{path} holds no FASTA record", "re-download the file")
    import pandas as pd
    return table_from_frame(pd.DataFrame({"sequence": seqs, "label": labels}), str(path))


def read_parquet_files(files: dict[str, str], cache_dir: Path | None) -> dict[str, SequenceTable]:
    """Load Parquet splits (local paths or ``hf://`` URLs) through ``datasets``."""
    import datasets

    ds = datasets.load_dataset("parquet", data_files=files,
                               cache_dir=str(cache_dir) if cache_dir else None)
    return {split: table_from_frame(ds[split].select_columns(
        [c for c in ("sequence", "label") if c in ds[split].column_names]).to_pandas(),
        files[split]) for split in files}


class NTTask(SequenceTask):
    """One NT downstream task of one release (``nt`` or ``nt-revised``)."""

    defaults: ClassVar[dict[str, Any]] = {"release": "nt", "dataset": None, "root": None,
                                        "length": None, "crop": False}
    citation: ClassVar[str] = NT_CITATION
    license: ClassVar[str] = "see the Hugging Face dataset card"

    @property
    def release(self) -> tuple[str, str, tuple[NTDataset, ...]]:
        rel = self.params["release"]
        if rel not in NT_RELEASES:
            raise ConfigError(f"unknown NT release {rel!r}", f"one of: {', '.join(NT_RELEASES)}")
        return (rel, *NT_RELEASES[rel])

    @property
    def dataset(self) -> NTDataset:
        rel, _, table = self.release
        return find_dataset(table, self.params["dataset"], f"{rel} task")

    @property
    def source_url(self) -> str:  # type: ignore[override]
        return f"https://huggingface.co/datasets/{self.release[1]}"

    @property
    def folder(self) -> Path:
        return benchmark_dir(self.release[0], self.params.get("root")) / self.dataset.name

    def read_splits(self) -> tuple[SequenceTable, SequenceTable | None, SequenceTable]:
        local = self._read_local()
        if local is not None:
            return local["train"], None, local["test"]
        remote = self._read_hub()
        return remote["train"], None, remote["test"]

    def _read_local(self) -> dict[str, SequenceTable] | None:
        folder = self.folder
        if all((folder / f"{s}.parquet").is_file() for s in SPLITS):
            return read_parquet_files({s: str(folder / f"{s}.parquet") for s in SPLITS},
                                      folder.parent / ".hf-cache")
        if all((folder / f"{s}.fna").is_file() for s in SPLITS):
            return {s: read_fasta(folder / f"{s}.fna") for s in SPLITS}
        return None

    def _read_hub(self) -> dict[str, SequenceTable]:
        _, repo, _ = self.release
        name = self.dataset.name
        files = {s: f"hf://datasets/{repo}/{name}/{s}.parquet" for s in SPLITS}
        try:
            return read_parquet_files(files, None)
        except DataError:
            raise
        except Exception as exc:  # offline, hub down, file moved
            raise DataError(
                f"cannot load {self.name} from the Hugging Face Hub ({type(exc).__name__}: "
                f"{exc}) and no local copy exists in {self.folder}",
                f"go online once (the files are then cached), or download "
                f"{name}/train.parquet and {name}/test.parquet (or the .fna files) from "
                f"https://huggingface.co/datasets/{repo} into {self.folder}/") from exc

    def declared_length(self) -> int | None:
        return self.dataset.length

    def declared_classes(self) -> int | None:
        return self.dataset.classes

    def split_description(self) -> str:
        return "train (minus a stratified 10% validation hold-out, seed 42) / test"

    def description(self) -> str:
        d = self.dataset
        return (f"Nucleotide Transformer downstream task {d.name} ({self.release[0]}), "
                f"{d.length} bp, {d.classes} classes")

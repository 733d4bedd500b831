"""Labelled DNA sequence tables: validation, the seeded validation hold-out, and encoding.

Every genomics loader (GUE, Nucleotide Transformer, Genomic Benchmarks, a user's CSV folder,
the generated motif family) reads its files into :class:`SequenceTable` objects and hands them
to :func:`build_task_data`, so every method of every genomics task sees data validated, split
and encoded the same way.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sfmbench.codecs.dna import ALPHABET, encode, sequence_lengths
from sfmbench.data import ArraySplit, HeldOut, TaskData
from sfmbench.errors import DataError
from sfmbench.redact import excerpt

#: seed and fraction of the validation hold-out carved from train when a source has none
#: (DASHA: ``train_test_split(test_size=0.1, random_state=42)``; we also stratify)
HOLDOUT_SEED = 42
HOLDOUT_FRACTION = 0.1
#: most classes a sequence task may have (a stray label such as 1e9 is an error, not 1e9 classes)
MAX_CLASSES = 10_000


@dataclass
class SequenceTable:
    """One split: DNA strings and their integer class labels."""

    sequences: list[str]
    labels: np.ndarray           # (N,) int64
    source: str = "input"        # file or description, for error messages

    def __post_init__(self) -> None:
        if len(self.sequences) != len(self.labels):
            raise DataError(f"{self.source}: {len(self.sequences)} sequences but "
                            f"{len(self.labels)} labels", "every sequence needs one label")

    def __len__(self) -> int:
        return len(self.sequences)

    def subset(self, idx: np.ndarray, source: str) -> "SequenceTable":
        return SequenceTable([self.sequences[i] for i in idx], self.labels[idx], source)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"sequence": self.sequences, "label": self.labels})


def table_from_frame(df: pd.DataFrame, source: str, *, sequence_col: str = "sequence",
                     label_col: str = "label") -> SequenceTable:
    """Validate a ``sequence,label`` frame (columns present, no empty rows, integer labels)."""
    missing = [c for c in (sequence_col, label_col) if c not in df.columns]
    if missing:
        found = ", ".join(excerpt(c, 30) for c in list(df.columns)[:10])
        raise DataError(f"{source}: missing column(s) {', '.join(missing)} "
                        f"(found: {found or 'none'}{', ...' if df.shape[1] > 10 else ''})",
                        f"the file needs a header `{sequence_col},{label_col}` with one DNA "
                        "sequence and one integer class label (0..K-1) per row")
    seqs = df[sequence_col]
    empty = np.flatnonzero(seqs.isna().to_numpy() | (seqs.astype(str).str.len() == 0).to_numpy())
    if len(empty):
        raise DataError(f"{source}: row {int(empty[0])} has an empty sequence "
                        f"({len(empty)} empty in all)",
                        "remove empty rows or give every row at least one base")
    labels = _integer_labels(df[label_col], source, label_col)
    return SequenceTable(seqs.astype(str).str.strip().tolist(), labels, source)


def _integer_labels(col: pd.Series, source: str, name: str) -> np.ndarray:
    values = pd.to_numeric(col, errors="coerce")
    bad = values.isna().to_numpy() | (values.to_numpy() % 1 != 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(f"{source}: column {name!r} row {row} holds {excerpt(col.iloc[row])}, "
                        "not an integer class label",
                        "labels must be integers 0..K-1 (map class names to integers first)")
    if len(values) and values.max() >= MAX_CLASSES:
        row = int(np.argmax(values.to_numpy()))
        raise DataError(f"{source}: column {name!r} row {row} holds the class label "
                        f"{excerpt(col.iloc[row])}; at most {MAX_CLASSES} classes are supported",
                        "labels must be class indices 0..K-1 (map class names to integers "
                        "first)")
    labels = values.to_numpy().astype(np.int64)
    if (labels < 0).any():
        raise DataError(f"{source}: negative class label {int(labels.min())}",
                        "labels must be integers 0..K-1")
    return labels


def read_csv_table(path: Path) -> SequenceTable:
    """Read one ``sequence,label`` CSV file (the GUE format)."""
    try:
        df = pd.read_csv(path, dtype={"sequence": str}, keep_default_na=False,
                         na_values={"label": [""]})
    except pd.errors.EmptyDataError:
        raise DataError(f"{path} is empty", "the file needs a header `sequence,label` and rows")
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or type(exc).__name__}",
                        "check that the file exists and is readable") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(f"cannot parse {path} as CSV ({type(exc).__name__})",
                        "give a comma-separated UTF-8 file with a header `sequence,label`"
                        ) from None
    table = table_from_frame(df, str(path))
    if not len(table):
        raise DataError(f"{path} has a header but no rows", "every split needs examples")
    return table


def holdout(train: SequenceTable, *, fraction: float = HOLDOUT_FRACTION,
            seed: int = HOLDOUT_SEED) -> tuple[SequenceTable, SequenceTable, dict[str, Any]]:
    """Carve a stratified validation split from train (fixed seed: every method sees the same)."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(train))
    counts = np.bincount(train.labels)
    if (counts[counts > 0] < 2).any():
        cls = int(np.flatnonzero((counts > 0) & (counts < 2))[0])
        raise DataError(f"{train.source}: class {cls} has a single training sample, too few for "
                        "a stratified validation split",
                        "add samples of that class or provide a dev.csv validation file")
    try:
        tr, va = train_test_split(idx, test_size=fraction, random_state=seed,
                                  stratify=train.labels)
    except ValueError as exc:
        raise DataError(f"{train.source}: cannot carve a stratified {fraction:.0%} validation "
                        f"split: {exc}", "provide a validation file or more training rows")
    tr, va = np.sort(tr), np.sort(va)
    info = {"val_source": f"stratified {fraction:.0%} of train, seed {seed}",
            "val_indices_sha256": hashlib.sha256(va.astype(np.int64).tobytes()).hexdigest(),
            "val_size": int(len(va))}
    return (train.subset(tr, train.source),
            train.subset(va, f"{train.source} (validation hold-out)"), info)


def check_classes(train: SequenceTable, val: SequenceTable, test: SequenceTable,
                  num_classes: int | None) -> int:
    """Number of classes; every train class must appear in validation, labels < K everywhere."""
    k = num_classes if num_classes is not None else int(train.labels.max()) + 1
    if len(np.unique(train.labels)) < 2:
        raise DataError(f"{train.source}: every training example has class "
                        f"{int(train.labels[0])}; a classifier needs at least two classes",
                        "add training examples of the other class(es)")
    for split in (train, val, test):
        if len(split) and split.labels.max() >= k:
            raise DataError(f"{split.source}: class label {int(split.labels.max())} but the task "
                            f"has {k} classes (0..{k - 1})",
                            "labels must be integers 0..K-1; set task.num_classes if K is larger")
    absent = sorted(set(np.unique(train.labels)) - set(np.unique(val.labels)))
    if absent:
        raise DataError(f"{val.source}: class(es) {', '.join(map(str, absent))} of the training "
                        "data never occur in the validation split",
                        "model selection needs every class in validation: add such rows to the "
                        "validation file, or drop it to carve a stratified split from train")
    return k


def max_length(*tables: SequenceTable) -> int:
    return max(int(sequence_lengths(t.sequences).max()) for t in tables if len(t))


def build_task_data(train: SequenceTable, val: SequenceTable, test: SequenceTable, *,
                    length: int, num_classes: int | None = None, crop: bool = False,
                    info: dict[str, Any] | None = None) -> TaskData:
    """Validate classes, one-hot encode the three splits and wrap them for the harness."""
    k = check_classes(train, val, test, num_classes)

    def enc(t: SequenceTable) -> np.ndarray:
        return encode(t.sequences, length, crop=crop, source=t.source)

    meta = {"alphabet": ALPHABET, "length": length}
    return TaskData(
        train=ArraySplit(enc(train), train.labels, dict(meta)),
        val=ArraySplit(enc(val), val.labels, dict(meta)),
        test=HeldOut(inputs=ArraySplit(enc(test), test.labels).inputs, targets=test.labels),
        info={"n_train": len(train), "n_val": len(val), "n_test": len(test),
              "num_classes": k, "length": length, "alphabet": ALPHABET, "x_dtype": "uint8",
              "class_counts_train": np.bincount(train.labels, minlength=k).tolist(),
              **(info or {})})

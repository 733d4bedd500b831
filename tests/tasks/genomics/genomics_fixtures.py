"""Writers of small genomics files in the real on-disk formats (GUE CSV, NT FASTA/Parquet,
Genomic Benchmarks class folders). Every loader test builds its input with one of these."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from sfmbench.tasks.genomics.motifs import MotifConfig, generate, write_csv_folder

SMALL = MotifConfig(n_train=120, n_val=40, n_test=40, length=30, motif_length=6, data_seed=3)


def write_gue_folder(folder: Path, cfg: MotifConfig = SMALL, *, dev: bool = True) -> Path:
    """A GUE-format folder (train.csv, dev.csv, test.csv; header sequence,label)."""
    write_csv_folder(cfg, folder)
    if not dev:
        (folder / "dev.csv").unlink()
    return folder


def write_csv(path: Path, rows: list[tuple[object, object]], header: str = "sequence,label"
              ) -> Path:
    """A CSV file with the given header and raw rows (for malformed-input tests)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + "\n" + "".join(f"{s},{y}\n" for s, y in rows))
    return path


def write_nt_fasta(folder: Path, cfg: MotifConfig = SMALL, width: int = 20) -> Path:
    """An NT task folder with train.fna/test.fna (``>name|label``, sequence wrapped)."""
    folder.mkdir(parents=True, exist_ok=True)
    train, _, test = generate(cfg)
    for table, split in ((train, "train"), (test, "test")):
        lines = []
        for i, (s, y) in enumerate(zip(table.sequences, table.labels)):
            lines.append(f">{split}_{i}|{int(y)}")
            lines.extend(s[j:j + width] for j in range(0, len(s), width))
        (folder / f"{split}.fna").write_text("\n".join(lines) + "\n")
    return folder


def write_nt_parquet(folder: Path, task: str, cfg: MotifConfig = SMALL) -> Path:
    """An NT task folder with train.parquet/test.parquet (sequence, name, label, task)."""
    folder.mkdir(parents=True, exist_ok=True)
    train, _, test = generate(cfg)
    for table, split in ((train, "train"), (test, "test")):
        pd.DataFrame({"sequence": table.sequences,
                      "name": [f"{split}_{i}" for i in range(len(table))],
                      "label": table.labels, "task": task}).to_parquet(folder / f"{split}.parquet")
    return folder


def write_gb_folder(folder: Path, classes: tuple[str, ...] = ("negative", "positive"),
                    cfg: MotifConfig = SMALL) -> Path:
    """A Genomic Benchmarks dataset folder: <split>/<class>/<id>.txt, one sequence per file."""
    train, _, test = generate(cfg)
    for table, split in ((train, "train"), (test, "test")):
        for i, (s, y) in enumerate(zip(table.sequences, table.labels)):
            d = folder / split / classes[int(y)]
            d.mkdir(parents=True, exist_ok=True)
            (d / f"{i}.txt").write_text(s)
    return folder

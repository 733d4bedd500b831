"""Genomics tasks: GUE, Nucleotide Transformer (original and revised), Genomic Benchmarks and a
user's own CSV folder (``genomics/csv task.path=DIR``).

Every task is a DNA sequence classification task whose inputs are one-hot ``(5, L)`` arrays
(channels A, C, G, T, N; see :mod:`sfmbench.codecs.dna`). Names are registered
lazily from the data tables in :mod:`sfmbench.tasks.genomics.catalog`; importing this package
stays cheap.
"""
from __future__ import annotations

from sfmbench.task import TaskEntry

from .catalog import GENOMIC_BENCHMARKS, GUE, NT_RELEASES

_PKG = "sfmbench.tasks.genomics"


_COMMON = {"domain": "genomics", "problem": "classification"}

#: every built-in genomics task name
ENTRIES: dict[str, TaskEntry] = {
    **{f"gue/{d.name}": TaskEntry(f"{_PKG}.csv_folder:GUETask", {"dataset": d.name},
                                  description=f"GUE: {d.what}", **_COMMON) for d in GUE},
    **{f"{release}/{n.name}": TaskEntry(f"{_PKG}.nt:NTTask",
                                        {"release": release, "dataset": n.name},
                                        description=f"Nucleotide Transformer task {n.name} "
                                                    f"({repo})", **_COMMON)
       for release, (repo, table) in NT_RELEASES.items() for n in table},
    **{f"genomic-benchmarks/{g.name}": TaskEntry(
        f"{_PKG}.genomic_benchmarks:GenomicBenchmarkTask", {"dataset": g.name},
        description=f"Genomic Benchmarks: {g.name}", **_COMMON) for g in GENOMIC_BENCHMARKS},
    "genomics/csv": TaskEntry(f"{_PKG}.csv_folder:CSVTask",
                              description="your own task: task.path=DIR with train.csv, test.csv "
                                          "and optional dev.csv (header sequence,label)",
                              **_COMMON),
}

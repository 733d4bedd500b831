"""Genomics tasks: GUE, Nucleotide Transformer (original and revised), Genomic Benchmarks and a
user's own CSV folder (``genomics/csv task.path=DIR``).

Every task is a DNA sequence classification task whose inputs are one-hot ``(5, L)`` arrays
(channels A, C, G, T, N; see :mod:`sfmbench.codecs.dna`). Names are registered
lazily from the data tables in :mod:`sfmbench.tasks.genomics.catalog`; importing this package
stays cheap.
"""
from __future__ import annotations

from sfmbench.registry import Registry

from .catalog import GENOMIC_BENCHMARKS, GUE, NT_RELEASES

_PKG = "sfmbench.tasks.genomics"


def register(registry: Registry) -> None:
    """Register every built-in genomics task name."""
    common = {"domain": "genomics", "problem": "classification"}
    for d in GUE:
        registry.register(f"gue/{d.name}", f"{_PKG}.csv_folder:GUETask",
                          params={"dataset": d.name}, description=f"GUE: {d.what}", **common)
    for release, (repo, table) in NT_RELEASES.items():
        for n in table:
            registry.register(f"{release}/{n.name}", f"{_PKG}.nt:NTTask",
                              params={"release": release, "dataset": n.name},
                              description=f"Nucleotide Transformer task {n.name} ({repo})",
                              **common)
    for g in GENOMIC_BENCHMARKS:
        registry.register(f"genomic-benchmarks/{g.name}",
                          f"{_PKG}.genomic_benchmarks:GenomicBenchmarkTask",
                          params={"dataset": g.name},
                          description=f"Genomic Benchmarks: {g.name}", **common)
    registry.register("genomics/csv", f"{_PKG}.csv_folder:CSVTask", params={},
                      description="your own task: task.path=DIR with train.csv, test.csv and "
                                  "optional dev.csv (header sequence,label)", **common)

"""Where genomics data lives: ``<data root>/<benchmark>/...`` (data root: ``SFMBENCH_DATA``)."""
from __future__ import annotations

import os
from pathlib import Path

from sfmbench.download import data_root


def benchmark_dir(benchmark: str, root: str | os.PathLike[str] | None = None) -> Path:
    """Folder of one benchmark (``gue``, ``nt``, ``nt-revised``, ``genomic-benchmarks``);
    ``root`` (a task's ``root`` param) overrides the data root."""
    return (Path(root).expanduser() if root else data_root()) / benchmark

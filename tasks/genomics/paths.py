"""Where genomics data lives: ``<data root>/<benchmark>/...``.

The data root comes from ``sfmbench.download.data_root()`` (``SFMBENCH_DATA``, default a user
cache dir); until that module exists the same rule is applied here.
"""
from __future__ import annotations

import os
from pathlib import Path


def data_root() -> Path:
    try:
        from sfmbench.download import data_root as engine_root
    except ImportError:
        env = os.environ.get("SFMBENCH_DATA")
        if env:
            return Path(env).expanduser()
        import platformdirs
        return Path(platformdirs.user_cache_dir("sfmbench")) / "data"
    return Path(engine_root())


def benchmark_dir(benchmark: str, root: str | os.PathLike[str] | None = None) -> Path:
    """Folder of one benchmark (``gue``, ``nt``, ``nt-revised``, ``genomic-benchmarks``)."""
    return (Path(root).expanduser() if root else data_root()) / benchmark

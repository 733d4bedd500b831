"""Install an example plugin package into the test environment for a module's tests."""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def pip_installed(folder: Path, distribution: str) -> Iterator[None]:
    """``pip install`` the package in ``folder`` (no deps, no build isolation), uninstall after."""
    pip = [sys.executable, "-m", "pip", "-q"]
    subprocess.run([*pip, "install", "--no-deps", "--no-build-isolation", str(folder)],
                   check=True, timeout=300)
    try:
        yield
    finally:
        subprocess.run([*pip, "uninstall", "-y", distribution], timeout=300)

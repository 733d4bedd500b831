"""Where a result came from: package version, git revision, library versions, host."""
from __future__ import annotations

import platform
import socket
import subprocess
import sys
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

LIBRARIES = ("numpy", "pandas", "scikit-learn", "scipy", "torch", "torchmetrics", "optuna",
             "statsmodels", "transformers", "peft", "chronos-forecasting", "timesfm", "timm")


@lru_cache(maxsize=1)
def library_versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for lib in LIBRARIES:
        try:
            out[lib] = version(lib)
        except PackageNotFoundError:
            continue
    return out


@lru_cache(maxsize=1)
def git_revision() -> str | None:
    """The commit of the source tree sfmbench runs from (editable installs), if any."""
    here = Path(__file__).resolve().parent
    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=5)
        if rev.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return rev.stdout.strip() + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def hostname() -> str:
    return socket.gethostname()

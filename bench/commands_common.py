"""What every command handler shares: the data console, the run directory, the store."""
from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from .errors import ConfigError
from .parsing import bool_setting
from .store import Store

if TYPE_CHECKING:
    from .runner import RunSettings


def _stdout_console() -> Console:
    """Stdout console for data; wide when piped (rich assumes 80 columns without a terminal)."""
    con = Console()
    return con if con.is_terminal else Console(width=200)


out = _stdout_console()


def current_run_dir() -> Path:
    return Path(os.environ.get("SFMBENCH_RUN_DIR", "sfmbench-runs"))


def open_store(overrides: dict[str, Any] | None = None) -> Store:
    from .storage_config import storage_url
    return Store(storage_url((overrides or {}).get("storage"), current_run_dir()))


def run_settings(args: argparse.Namespace, overrides: dict[str, Any]) -> "RunSettings":
    from .runner import RunSettings
    return RunSettings(run_dir=current_run_dir(), show_progress=not args.quiet,
                       save_predictions=bool_setting(overrides, "save_predictions", True),
                       device=overrides.get("device"))


def need_name(args: argparse.Namespace, kind: str) -> str:
    if not args.name:
        raise ConfigError(f"`{kind}s show` needs a name", f"see `sfmbench {kind}s list`")
    return args.name

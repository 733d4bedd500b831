"""Progress bars with an ETA (rich), shared by sweeps and training loops."""
from __future__ import annotations

from rich.console import Console
from rich.progress import (BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn, TransferSpeedColumn)

console = Console(stderr=True)


def make_progress(*, disable: bool = False, transient: bool = False, eta_field: bool = False,
                  in_bytes: bool = False) -> Progress:
    """The one progress display of sfmbench: done/total (or bytes and speed with ``in_bytes``),
    elapsed time, the ETA (rich's estimate from the completed steps, or with ``eta_field`` the
    task's ``eta`` field, set by the caller) and the task's ``status`` field."""
    eta = ([TextColumn("{task.fields[eta]}")] if eta_field
           else [TextColumn("ETA"), TimeRemainingColumn()])
    done = [DownloadColumn(), TransferSpeedColumn()] if in_bytes else [MofNCompleteColumn()]
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), *done,
                    TextColumn("elapsed"), TimeElapsedColumn(), *eta,
                    TextColumn("{task.fields[status]}"),
                    console=console, disable=disable, transient=transient)

"""Progress bars with an ETA (rich), shared by sweeps and training loops."""
from __future__ import annotations

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)

console = Console(stderr=True)


def make_progress(*, disable: bool = False, transient: bool = False,
                  eta_field: bool = False) -> Progress:
    """A progress display showing done/total, elapsed time and the ETA (rich's estimate from
    the completed steps, or with ``eta_field`` the task's ``eta`` field, set by the caller)."""
    eta = ([TextColumn("{task.fields[eta]}")] if eta_field
           else [TextColumn("ETA"), TimeRemainingColumn()])
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("elapsed"), TimeElapsedColumn(), *eta,
                    TextColumn("{task.fields[status]}"),
                    console=console, disable=disable, transient=transient)

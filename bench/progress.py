"""Progress bars with an ETA (rich), shared by sweeps and training loops."""
from __future__ import annotations

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)

console = Console(stderr=True)


def make_progress(*, disable: bool = False, transient: bool = False) -> Progress:
    """A progress display showing done/total, elapsed time and the ETA."""
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("elapsed"), TimeElapsedColumn(), TextColumn("ETA"),
                    TimeRemainingColumn(), TextColumn("{task.fields[status]}"),
                    console=console, disable=disable, transient=transient)

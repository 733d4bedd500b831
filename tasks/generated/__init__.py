"""Generated (synthetic) task families with known structure, for the demo and tests."""
from __future__ import annotations

from sfmbench.task import TaskEntry

from . import genomics, regression, timeseries

#: every generated family's names (the satellite ones live in :mod:`sfmbench.tasks.satellite`)
ENTRIES: dict[str, TaskEntry] = {**timeseries.ENTRIES, **genomics.ENTRIES, **regression.ENTRIES}

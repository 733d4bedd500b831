"""Built-in tasks, registered through the same entry point group as third-party plugins: every
sub-package exposes one ``ENTRIES`` table of :class:`~sfmbench.task.TaskEntry` (built from its
data tables); importing it stays cheap (no torch, no data)."""
from __future__ import annotations

from sfmbench.registry import Registry, register_entries, registers


@registers
def register_builtins(registry: Registry) -> None:
    """Register every built-in name lazily (nothing heavy is imported here)."""
    register_entries(registry, __name__)

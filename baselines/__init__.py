"""Built-in supervised baselines, registered like third-party plugins: every sub-package
exposes one ``ENTRIES`` table (registry name -> ``"module:Class"``); importing it stays cheap."""
from __future__ import annotations

from sfmbench.registry import Registry, register_entries, registers


@registers
def register_builtins(registry: Registry) -> None:
    """Register every built-in name lazily (nothing heavy is imported here)."""
    register_entries(registry, __name__)

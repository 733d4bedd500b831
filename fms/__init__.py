"""Built-in fms: registered through the same entry points as third-party plugins."""
from __future__ import annotations

from sfmbench.registry import Registry, registers


@registers
def register_builtins(registry: Registry) -> None:
    """Register every built-in name lazily (nothing heavy is imported here)."""

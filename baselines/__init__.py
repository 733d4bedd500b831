"""Built-in supervised baselines, registered like third-party plugins."""
from __future__ import annotations

from sfmbench.registry import Registry, register_subpackages, registers

#: sub-packages that each expose ``register(registry)``; importing them must stay cheap
FAMILIES = ("forecasting", "dasha", "genomics", "satellite")


@registers
def register_builtins(registry: Registry) -> None:
    """Register every built-in name lazily (nothing heavy is imported here)."""
    register_subpackages(registry, __name__, FAMILIES)

"""Built-in supervised baselines, registered like third-party plugins."""
from __future__ import annotations

import importlib

from sfmbench.registry import Registry, registers

#: sub-packages that each expose ``register(registry)``; importing them must stay cheap
FAMILIES = ("forecasting", "dasha", "genomics")


@registers
def register_builtins(registry: Registry) -> None:
    """Register every built-in baseline lazily (nothing heavy is imported here)."""
    for family in FAMILIES:
        module = importlib.import_module(f"{__name__}.{family}")
        register = getattr(module, "register", None)
        if register is not None:
            register(registry)

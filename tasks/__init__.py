"""Built-in tasks, registered through the same entry point group as third-party plugins."""
from __future__ import annotations

import importlib

from sfmbench.registry import Registry, registers

#: sub-packages that each expose ``register(registry)``; importing them must stay cheap
DOMAINS = ("timeseries", "genomics", "generated")


@registers
def register_builtins(registry: Registry) -> None:
    """Register every built-in task name lazily (nothing heavy is imported here)."""
    for domain in DOMAINS:
        module = importlib.import_module(f"{__name__}.{domain}")
        register = getattr(module, "register", None)
        if register is not None:
            register(registry)

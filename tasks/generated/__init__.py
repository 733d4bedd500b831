"""Generated (synthetic) task families with known structure, for the demo and tests."""
from __future__ import annotations

import importlib

from sfmbench.registry import Registry

#: modules of this package that expose ``register(registry)``; each must stay cheap to import
FAMILIES = ("timeseries", "genomics")


def register(registry: Registry) -> None:
    for family in FAMILIES:
        try:
            module = importlib.import_module(f"{__name__}.{family}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{family}":
                raise
            continue
        module.register(registry)

"""Generated (synthetic) task families with known structure, for the demo and tests."""
from __future__ import annotations

from sfmbench.registry import Registry, register_subpackages

#: modules of this package that expose ``register(registry)``; each must stay cheap to import
FAMILIES = ("timeseries", "genomics", "regression")


def register(registry: Registry) -> None:
    register_subpackages(registry, __name__, FAMILIES)

"""Looking up a dataset record in a task family's data table (one helper for every family)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

from sfmbench.errors import ConfigError

D = TypeVar("D")


def find_dataset(table: Iterable[D] | Mapping[str, D], name: str, label: str) -> D:
    """The record of ``table`` (records with a ``name``, or a name -> record mapping) called
    ``name``; a ConfigError listing the valid names otherwise."""
    by_name = dict(table) if isinstance(table, Mapping) else \
        {d.name: d for d in table}  # type: ignore[attr-defined]
    if name not in by_name:
        raise ConfigError(f"unknown {label} {name!r}", f"one of: {', '.join(map(str, by_name))}")
    return by_name[name]

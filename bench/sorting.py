"""Natural ordering of names: embedded numbers compare by value (ETTh1-96 before ETTh1-192)."""
from __future__ import annotations

import re
from typing import Any

_NUMBER = re.compile(r"(\d+)")


def natural_key(name: str) -> list[Any]:
    """Sort key: text parts case-insensitively, digit runs as integers."""
    return [(0, int(part)) if part.isdigit() else (1, part.lower())
            for part in _NUMBER.split(str(name)) if part]


def natural_sorted(names: Any) -> list[str]:
    return sorted(names, key=natural_key)

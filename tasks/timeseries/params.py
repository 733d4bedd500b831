"""Coercion of task parameters that may arrive as strings from command-line overrides."""
from __future__ import annotations

from sfmbench.errors import ConfigError


def positive_int(task: str, name: str, value: object) -> int:
    """``value`` as an int >= 1, or a ConfigError naming the parameter."""
    if value is None:
        raise ConfigError(f"task {task!r} needs the parameter {name!r}",
                          f"set it, e.g. task.{name}=96")
    try:
        out = int(str(value)) if not isinstance(value, int) else value
    except ValueError:
        out = 0
    if isinstance(value, bool) or out < 1:
        raise ConfigError(f"task {task!r}: {name}={value!r} is not a positive integer",
                          f"give a whole number >= 1, e.g. task.{name}=96")
    return out

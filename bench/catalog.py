"""The two registries (tasks and models) and the factories that build from them."""
from __future__ import annotations

from typing import Any

from .errors import UnknownNameError
from .method import Method
from .registry import Registry
from .task import Task

#: tasks: built-ins and plugins register through the ``sfmbench.tasks`` entry-point group
TASKS: Registry[type[Task]] = Registry("task", ("sfmbench.tasks",), base=Task)
#: methods (baselines and FMs): groups ``sfmbench.baselines`` and ``sfmbench.fms``
METHODS: Registry[type[Method]] = Registry("model", ("sfmbench.baselines", "sfmbench.fms"),
                                           base=Method)


def create_task(name: str, overrides: dict[str, Any] | None = None) -> Task:
    """Build the task registered as ``name`` with the parameter values of its registry entry
    (metadata ``params``) plus ``overrides``; the task resolves them over its ``defaults``."""
    entry = TASKS.entry(name)
    cls = TASKS.get(name)
    params = {**entry.metadata.get("params", {}), **(overrides or {})}
    return cls(name=name, **params)


def task_names(pattern: str | None = None) -> list[str]:
    """Registered task names matching a wildcard pattern; error with suggestions if none match."""
    names = TASKS.list(pattern)
    if pattern and not names and not any(c in pattern for c in "*?["):
        raise UnknownNameError("task", pattern, TASKS.list())
    return names

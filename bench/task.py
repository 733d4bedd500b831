"""The Task extension point: a declarative spec plus a loader of train/val/test."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from .data import TaskData
from .specs import TaskSpec


class Task(ABC):
    """Base class of every task.

    Subclasses take their parameters as keyword arguments (from the registry entry, the task's
    config and ``task.KEY=VALUE`` overrides), expose :attr:`spec`, and implement :meth:`load`.
    """

    #: parameters a user may override, with their defaults (documented by ``tasks show``)
    params: ClassVar[dict[str, Any]] = {}

    def __init__(self, name: str, **params: Any) -> None:
        self.name = name
        unknown = sorted(set(params) - set(self.params) - {"domain"})
        if unknown:
            from .errors import ConfigError
            raise ConfigError(f"task {name!r} has no parameter(s) {', '.join(unknown)}",
                              f"valid: {', '.join(sorted(self.params)) or '(none)'}")
        self.config: dict[str, Any] = {**self.params, **params}

    @property
    @abstractmethod
    def spec(self) -> TaskSpec:
        """The task's spec; cheap (no data loading)."""

    @abstractmethod
    def load(self) -> TaskData:
        """Load (downloading into the cache if needed) and split the data."""

    def identity(self) -> str | None:
        """Content identity of user-supplied data (e.g. ``"my.csv:3f2a9c1b4d5e"`` from
        :func:`sfmbench.download.content_identity`), or None for canonical datasets.

        Tasks that read a user's file override this: the identity becomes part of the job key
        (a changed file is a new job, never "already stored") and of the task's name in stored
        rows and the leaderboard (``ltsf/csv@my.csv:3f2a9c1b4d5e``)."""
        return None

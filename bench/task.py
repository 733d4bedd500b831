"""The Task extension point: a declarative spec plus a loader of train/val/test."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from .data import TaskData
from .specs import TaskSpec


class Task(ABC):
    """Base class of every task.

    Subclasses declare their overridable parameters with defaults in :attr:`defaults`, take
    values as keyword arguments (from the registry entry, the task's config and
    ``task.KEY=VALUE`` overrides), read the resolved values from ``self.params``, expose
    :attr:`spec`, and implement :meth:`load` (the same vocabulary as :class:`Method`).
    """

    #: parameters a user may override, with their defaults (documented by ``tasks show``)
    defaults: ClassVar[dict[str, Any]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "params" in cls.__dict__:   # sfmbench 0.1.0 named the defaults `params`
            raise TypeError(f"task class {cls.__qualname__} defines `params`: declare the "
                            "parameters with their defaults as `defaults` and read the resolved "
                            "values from `self.params` (renamed from `self.config`)")

    def __init__(self, name: str, **params: Any) -> None:
        self.name = name
        unknown = sorted(set(params) - set(self.defaults) - {"domain"})
        if unknown:
            from .errors import ConfigError
            raise ConfigError(f"task {name!r} has no parameter(s) {', '.join(unknown)}",
                              f"valid: {', '.join(sorted(self.defaults)) or '(none)'}")
        #: the resolved parameter values: the defaults, then the given values
        self.params: dict[str, Any] = {**self.defaults, **params}

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


@dataclass(frozen=True)
class TaskEntry:
    """One registered task name: its class (``"module:Class"``), the parameters that make the
    name (``{"dataset": "ETTh1", "horizon": 96}``) and what listings show without loading it.

    A task package exposes ``ENTRIES: dict[str, TaskEntry]``, built from its data tables."""

    target: str
    params: dict[str, Any] = field(default_factory=dict)
    domain: str = ""
    problem: str = ""
    description: str = ""
    #: the kind of input when ``domain`` is "generated" (genomics, satellite, timeseries)
    modality: str | None = None
    #: small enough for ``check-plugin`` runs
    tiny: bool = False

    def metadata(self) -> dict[str, Any]:
        """The registry metadata of the name (everything but the target; None fields left out)."""
        return {k: v for k, v in asdict(self).items() if k != "target" and v is not None}


"""Typed lazy registry for tasks and models, shared by built-ins and third-party plugins.

Entries are objects or lazy ``"module:attribute"`` strings imported on first use. Plugins arrive
through Python entry points: a group's entry point either names an object (registered under the
entry point's name) or a function marked with :func:`registers` that receives the registry and
registers any number of names (this is how the built-ins register too).
"""
from __future__ import annotations

import fnmatch
import importlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar

from .errors import PluginError, UnknownNameError

T = TypeVar("T")


def registers(fn: Callable[["Registry[Any]"], None]) -> Callable[["Registry[Any]"], None]:
    """Mark an entry-point target as a function that registers names itself."""
    fn.__sfmbench_registers__ = True  # type: ignore[attr-defined]
    return fn


def register_subpackages(registry: "Registry[Any]", package: str, names: tuple[str, ...]) -> None:
    """Call ``register(registry)`` of each sub-package ``package.name`` that defines one."""
    for name in names:
        module = importlib.import_module(f"{package}.{name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(registry)


def load_object(target: str) -> Any:
    """Import ``"package.module:attr.sub"`` and return the attribute."""
    module_name, _, attr = target.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in filter(None, attr.split(".")):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise PluginError(f"cannot import {target!r}: {exc}",
                          "check that the package providing it is installed "
                          "(optional extras: pip install 'sfmbench[all]')") from exc
    return obj


@dataclass
class Entry(Generic[T]):
    """One registered name: the object or its lazy import path, plus free-form metadata."""

    name: str
    target: T | str
    metadata: dict[str, Any] = field(default_factory=dict)
    source: str = "builtin"


class Registry(Generic[T]):
    """Name -> object registry with lazy imports, wildcard listing and entry-point plugins."""

    def __init__(self, kind: str, groups: tuple[str, ...], base: type | None = None) -> None:
        self.kind = kind
        self.groups = groups
        self.base = base
        self._entries: dict[str, Entry[T]] = {}
        self._discovered = False
        self._broken: dict[str, str] = {}
        self._lock = threading.RLock()

    # registration -------------------------------------------------------------------------
    def register(self, name: str, target: T | str | None = None, *, source: str = "builtin",
                 overwrite: bool = False, **metadata: Any) -> Any:
        """Register ``target`` (object or ``"module:attr"``) under ``name``; usable as decorator."""
        if target is None:
            def decorator(obj: T) -> T:
                self.register(name, obj, source=source, overwrite=overwrite, **metadata)
                return obj
            return decorator
        with self._lock:
            if name in self._entries and not overwrite:
                old = self._entries[name]
                if old.target is target or old.target == target:
                    return target
                raise PluginError(f"{self.kind} {name!r} is registered twice "
                                  f"(by {old.source} and by {source})",
                                  "give the plugin's entry a different name")
            self._entries[name] = Entry(name, target, dict(metadata), source)
        return target

    def discover(self) -> None:
        """Load entry points of this registry's groups once (built-ins and plugins alike)."""
        with self._lock:
            if self._discovered:
                return
            self._discovered = True
            for group in self.groups:
                for ep in entry_points(group=group):
                    source = ep.dist.name if ep.dist else ep.value
                    try:
                        obj = ep.load()
                    except Exception as exc:  # a broken plugin must not break the registry
                        self._broken[ep.name] = f"{ep.value}: {exc}"
                        continue
                    if getattr(obj, "__sfmbench_registers__", False):
                        obj(self)
                    else:
                        self.register(ep.name, obj, source=source)

    # lookup --------------------------------------------------------------------------------
    def entry(self, name: str) -> Entry[T]:
        self.discover()
        try:
            return self._entries[name]
        except KeyError:
            if name in self._broken:
                raise PluginError(f"{self.kind} plugin {name!r} failed to load: "
                                  f"{self._broken[name]}",
                                  "fix or reinstall the plugin package") from None
            raise UnknownNameError(self.kind, name, self._entries) from None

    def get(self, name: str) -> T:
        """Return the object registered as ``name``, importing it on first use."""
        entry = self.entry(name)
        if isinstance(entry.target, str):
            entry.target = load_object(entry.target)
        obj = entry.target
        if self.base is not None and isinstance(obj, type) and not issubclass(obj, self.base):
            raise PluginError(f"{self.kind} {name!r} ({obj!r}) is not a subclass of "
                              f"{self.base.__name__}", f"derive it from {self.base.__module__}."
                              f"{self.base.__name__}")
        return obj  # type: ignore[return-value]

    def metadata(self, name: str) -> dict[str, Any]:
        return self.entry(name).metadata

    def list(self, pattern: str | None = None) -> list[str]:
        """Sorted names, optionally filtered by shell wildcards (``ltsf/ETTh*``), case-insensitive."""
        self.discover()
        names = sorted(self._entries)
        if pattern:
            pats = [p.strip() for p in pattern.split(",") if p.strip()]
            names = [n for n in names if any(fnmatch.fnmatch(n.lower(), p.lower()) for p in pats)]
        return names

    def __contains__(self, name: object) -> bool:
        self.discover()
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.list())

    def unregister(self, name: str) -> None:
        with self._lock:
            self._entries.pop(name, None)

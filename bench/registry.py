"""Typed lazy registry for tasks and models, shared by built-ins and third-party plugins.

Entries are objects or lazy ``"module:attribute"`` strings imported on first use. Plugins arrive
through Python entry points: a group's entry point either names an object (registered under the
entry point's name) or a function marked with :func:`registers` that receives the registry and
registers any number of names (this is how the built-ins register too).

Plugins are isolated: one that fails to import, declares an entry that is not a valid target,
registers a name another plugin also registers, or registers a built-in's name is skipped and
reported (:meth:`Registry.problems`, shown by ``sfmbench models list``; naming it in a command
raises a :class:`PluginError` with the reason); everything else keeps working. A plugin may
replace a built-in only when the user opts in by name: ``SFMBENCH_ALLOW_OVERRIDE=autoar``
(comma-separated names; the same opt-in admits a config YAML named like a built-in).
"""
from __future__ import annotations

import fnmatch
import importlib
import os
import pkgutil
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar

from .errors import PluginError, UnknownNameError

T = TypeVar("T")

#: the distribution whose entry points are the built-ins
BUILTIN_DIST = "sfmbench"
#: environment variable naming the built-ins a plugin may replace (comma-separated)
OVERRIDE_ENV = "SFMBENCH_ALLOW_OVERRIDE"


def allowed_overrides() -> set[str]:
    """Names the user allows a plugin (class or config YAML) to take over from a built-in."""
    return {n for n in re.split(r"[,\s]+", os.environ.get(OVERRIDE_ENV, "")) if n}


@dataclass(frozen=True)
class PluginProblem:
    """A plugin entry that was skipped, and why."""

    name: str        # the name it registers (or its entry point's name)
    source: str      # the distribution (package) that declared it
    reason: str      # what is wrong, with the exception where there is one
    hint: str = ""

    def __str__(self) -> str:
        return f"{self.name} ({self.source}): {self.reason}"


def _dist_name(ep: Any) -> str:
    dist = getattr(ep, "dist", None)
    return (dist.name if dist is not None else "") or ep.value


def registers(fn: Callable[["Registry[Any]"], None]) -> Callable[["Registry[Any]"], None]:
    """Mark an entry-point target as a function that registers names itself."""
    fn.__sfmbench_registers__ = True  # type: ignore[attr-defined]
    return fn


def register_entries(registry: "Registry[Any]", package: str) -> None:
    """Register the ``ENTRIES`` table of every sub-package of ``package``: the one registration
    style of the built-ins. A method entry is ``name -> "module:Class"`` (what a method is:
    kind, problems, domains, tuned, extra, description, lives once, on its class); a task entry
    is a typed :class:`sfmbench.task.TaskEntry` (class, the parameters that make the name, and
    what listings show without loading it)."""
    pkg = importlib.import_module(package)
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.ispkg:
            module = importlib.import_module(f"{package}.{info.name}")
            for name, entry in getattr(module, "ENTRIES", {}).items():
                if isinstance(entry, str):
                    registry.register(name, entry)
                else:
                    registry.register(name, entry.target, **entry.metadata())


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
    #: the source of the built-in this entry replaces (opted in via SFMBENCH_ALLOW_OVERRIDE)
    replaces: str | None = None


class Registry(Generic[T]):
    """Name -> object registry with lazy imports, wildcard listing and entry-point plugins."""

    def __init__(self, kind: str, groups: tuple[str, ...], base: type | None = None) -> None:
        self.kind = kind
        self.groups = groups
        self.base = base
        self._entries: dict[str, Entry[T]] = {}
        self._discovered = False
        self._broken: dict[str, str] = {}
        self._problems: list[PluginProblem] = []
        self._staging: dict[str, Entry[T]] | None = None  # a plugin's names while it loads
        self._source: str | None = None
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
            if self._staging is not None:  # a plugin registering: checked when it finished
                source = self._source or source
                old = self._staging.get(name)
                if old is not None and not (old.target is target or old.target == target):
                    raise PluginError(f"{self.kind} {name!r} is registered twice by {source}",
                                      "give each entry its own name")
                self._staging[name] = Entry(name, target, dict(metadata), source)
                return target
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
        """Load entry points of this registry's groups once: built-ins first, then plugins
        (sorted by package), each plugin isolated (see the module docstring)."""
        with self._lock:
            if self._discovered:
                return
            self._discovered = True
            eps = [ep for group in self.groups for ep in entry_points(group=group)]
            builtins = [ep for ep in eps if _dist_name(ep) == BUILTIN_DIST]
            plugins = sorted((ep for ep in eps if _dist_name(ep) != BUILTIN_DIST),
                             key=lambda ep: (_dist_name(ep), ep.group, ep.name))
            for ep in builtins:
                try:
                    obj = ep.load()
                    if getattr(obj, "__sfmbench_registers__", False):
                        obj(self)
                    else:
                        self.register(ep.name, obj)
                except Exception as exc:  # noqa: BLE001 - a bug, but the rest must keep working
                    self._problems.append(PluginProblem(
                        ep.name, f"{BUILTIN_DIST} (built-in)",
                        f"failed to register {ep.value!r}: {type(exc).__name__}: {exc}",
                        "reinstall sfmbench; report this as a bug"))
            claimed: dict[str, str] = {}  # plugin name -> package that registered it first
            for ep in plugins:
                self._load_plugin(ep, claimed)

    def _load_plugin(self, ep: Any, claimed: dict[str, str]) -> None:
        source = _dist_name(ep)
        try:
            obj = ep.load()
        except BaseException as exc:  # noqa: BLE001 - a broken plugin must not break the registry
            if isinstance(exc, KeyboardInterrupt):
                raise
            self._skip(ep.name, source, f"failed to import {ep.value!r}: "
                       f"{type(exc).__name__}: {exc}", "fix or reinstall the plugin package")
            return
        self._staging, self._source = {}, source
        try:
            if getattr(obj, "__sfmbench_registers__", False):
                obj(self)
            elif self.base is not None and not (isinstance(obj, type)
                                                and issubclass(obj, self.base)):
                raise PluginError(f"entry point {ep.name} = {ep.value!r} is "
                                  f"{type(obj).__name__} {obj!r}, not a subclass of "
                                  f"{self.base.__name__}",
                                  f"point the entry point at a {self.base.__name__} subclass or "
                                  "at a function marked with @sfmbench.registry.registers")
            else:
                self.register(ep.name, obj)
            staged = self._staging
        except Exception as exc:  # noqa: BLE001
            hint = exc.hint if isinstance(exc, PluginError) else "fix the plugin's registration"
            self._skip(ep.name, source, f"{type(exc).__name__}: "
                       f"{getattr(exc, 'message', exc)}", hint or "")
            return
        finally:
            self._staging, self._source = None, None
        allowed = allowed_overrides()
        for name, entry in staged.items():
            old = self._entries.get(name)
            if name in claimed and claimed[name] != source:
                first = claimed[name]
                if old is not None and old.source == first:
                    del self._entries[name]
                self._skip(name, f"{first} and {source}",
                           f"{self.kind} {name!r} is registered by two packages ({first} and "
                           f"{source}); both are skipped",
                           "uninstall one of them, or ask an author to rename the entry")
            elif old is not None and old.source == "builtin":
                if name not in allowed:
                    self._problems.append(PluginProblem(
                        name, source, f"would replace the built-in {self.kind} {name!r}; "
                        "refused (the built-in is used)",
                        f"to use the plugin's version set {OVERRIDE_ENV}={name}"))
                    continue
                entry.replaces = old.source
                self._entries[name] = entry
                claimed[name] = source
            elif name in self._broken:  # already refused as a duplicate
                continue
            else:
                self._entries[name] = entry
                claimed[name] = source

    def _skip(self, name: str, source: str, reason: str, hint: str = "") -> None:
        self._broken[name] = f"{reason} [{source}]"
        self._problems.append(PluginProblem(name, source, reason, hint))

    def raise_if_broken(self, name: str) -> None:
        """PluginError with the reason when ``name`` belongs to a skipped plugin."""
        self.discover()
        if name in self._broken and name not in self._entries:
            self.entry(name)

    def problems(self) -> list[PluginProblem]:
        """Every plugin entry that was skipped or refused, with the reason."""
        self.discover()
        return list(self._problems)

    # lookup --------------------------------------------------------------------------------
    def entry(self, name: str) -> Entry[T]:
        self.discover()
        try:
            return self._entries[name]
        except KeyError:
            if name in self._broken:
                hint = next((p.hint for p in self._problems if p.name == name and p.hint),
                            "fix or reinstall the plugin package")
                raise PluginError(f"{self.kind} plugin {name!r} is unusable: "
                                  f"{self._broken[name]}", hint) from None
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

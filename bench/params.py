"""Typed method parameters: one dataclass per method family, validated as an OmegaConf
structured config.

A method declares ``Params``, a :class:`MethodParams` dataclass whose fields carry a type, a
default and a one-line doc (:func:`param`); a family's subclass overrides defaults by
subclassing its parent's ``Params``. OmegaConf structured configs take no ``Union`` types:
a parameter that takes e.g. ``"auto"`` or an int is typed ``Any`` (its doc says what it takes),
a nullable one ``Optional[X]``.

:func:`resolve_params` merges the layers of a job (the class defaults, the model YAML's
``params``, the budget's counts, the YAML's ``budgets.<name>`` and the ``model.KEY=VALUE``
overrides) and reports an unknown key or a value of the wrong type as a
:class:`~sfmbench.errors.ConfigError` naming the model, the field, its type and the value;
:func:`build_params` turns one resolved mapping into the typed instance a method reads
(``self.params.n_trials``; ``self.params["n_trials"]`` keeps working: the instance is a
read-only mapping). A plugin class that still declares a ``defaults = {...}`` dict gets a
``Params`` derived from it (:func:`params_from_defaults`: new keys typed ``Any``).
"""
from __future__ import annotations

import copy
import dataclasses
import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Union, get_args, get_origin, get_type_hints

from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from .errors import ConfigError

_NONE = type(None)


def param(default: Any, doc: str = "") -> Any:
    """A dataclass field with ``default`` (copied per instance when mutable) and a doc line;
    a subclass that only changes a default may leave ``doc`` out (the parent's is shown)."""
    if isinstance(default, (list, dict)):
        return dataclasses.field(default_factory=lambda: copy.deepcopy(default),
                                 metadata={"doc": doc})
    return dataclasses.field(default=default, metadata={"doc": doc})


@dataclass
class MethodParams(Mapping[str, Any]):
    """Base of every method's parameters; also a mapping (``p["key"]``, ``p.get("key", d)``,
    ``"key" in p``, ``keys()``, ``items()``, and ``p["key"] = value`` for a known field) for
    code written against the parameter dicts of sfmbench 0.1.0."""

    def __getitem__(self, key: str) -> Any:
        if key not in field_names(type(self)):
            raise KeyError(key)
        return getattr(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        if key not in field_names(type(self)):
            raise KeyError(f"no parameter {key!r} (fields: {', '.join(field_names(type(self)))})")
        setattr(self, key, value)

    def __iter__(self) -> Iterator[str]:
        return iter(field_names(type(self)))

    def __len__(self) -> int:
        return len(field_names(type(self)))

    def to_dict(self) -> dict[str, Any]:
        """The parameters as a plain dict (values deep-copied)."""
        return {k: copy.deepcopy(getattr(self, k)) for k in field_names(type(self))}


@dataclass(frozen=True)
class ParamInfo:
    """One parameter as listings show it."""

    name: str
    type: str
    default: Any
    doc: str


# --- reading a Params class -----------------------------------------------------------------
@lru_cache(maxsize=None)
def field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


@lru_cache(maxsize=None)
def field_types(cls: type) -> dict[str, Any]:
    """Field name -> its resolved type (string annotations evaluated)."""
    hints = get_type_hints(cls)
    return {name: hints.get(name, Any) for name in field_names(cls)}


def type_name(tp: Any) -> str:
    """A short readable name: ``int``, ``int | null``, ``list[float]``, ``any``."""
    if tp is Any:
        return "any"
    origin, args = get_origin(tp), get_args(tp)
    if origin is Union:
        rest = [a for a in args if a is not _NONE]
        inner = " | ".join(type_name(a) for a in rest)
        return f"{inner} | null" if len(rest) < len(args) else inner
    if origin is not None and args:
        return f"{getattr(origin, '__name__', str(origin))}[{', '.join(map(type_name, args))}]"
    return getattr(tp, "__name__", str(tp))


def _default(f: dataclasses.Field) -> Any:
    if f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
        return f.default_factory()  # type: ignore[misc]
    return copy.deepcopy(f.default)


def defaults_of(cls: type) -> dict[str, Any]:
    """Every field's default (fresh copies)."""
    return {f.name: _default(f) for f in dataclasses.fields(cls)}


def describe(cls: type) -> list[ParamInfo]:
    """Name, type, default and doc of every field, in declaration order."""
    types = field_types(cls)
    return [ParamInfo(f.name, type_name(types[f.name]), _default(f), field_doc(cls, f.name))
            for f in dataclasses.fields(cls)]


def field_doc(cls: type, name: str) -> str:
    """The doc line of a field: its own, else the nearest base class's."""
    for klass in cls.__mro__:
        own = klass.__dict__.get("__dataclass_fields__", {}).get(name)
        if own is not None and own.metadata.get("doc"):
            return str(own.metadata["doc"])
    return ""


def _is_bool(tp: Any) -> bool:
    return tp is bool or (get_origin(tp) is Union and bool in get_args(tp)
                          and set(get_args(tp)) <= {bool, _NONE})


# --- plugins that declare a defaults dict -----------------------------------------------------
def _fits(tp: Any, value: Any) -> bool:
    probe = dataclasses.make_dataclass("_Probe", [("v", tp, param(value, ""))])
    try:
        OmegaConf.structured(probe)
    except (OmegaConfBaseException, ValueError, TypeError):
        return False
    return True


def params_from_defaults(name: str, base: type[MethodParams],
                         defaults: Mapping[str, Any]) -> type[MethodParams]:
    """A ``Params`` class for a plugin that declares ``defaults = {...}``: ``base``'s fields
    with the dict's values as defaults (a value that does not fit the base's type makes the
    field ``Any``); a key new to ``base`` becomes a field typed ``Any``."""
    types = field_types(base)
    fields = []
    for key, value in defaults.items():
        tp = types.get(key, Any)
        if tp is not Any and not _fits(tp, value):
            tp = Any
        doc = "" if key in types else "(from the class's defaults dict; untyped)"
        fields.append((key, tp, param(value, doc)))
    derived = dataclasses.make_dataclass(f"{name}Params", fields, bases=(base,))
    derived._from_defaults = True  # type: ignore[attr-defined]
    return derived


def untyped(cls: type) -> bool:
    """True for a ``Params`` derived from a ``defaults`` dict (:func:`params_from_defaults`)."""
    return bool(cls.__dict__.get("_from_defaults"))


# --- validation -------------------------------------------------------------------------------
def check_known(cls: type, keys: Any, model: str, where: str) -> None:
    """An unknown top-level key -> ConfigError with a did-you-mean."""
    known = field_names(cls)
    unknown = sorted(set(keys) - set(known))
    if not unknown:
        return
    close = {u: difflib.get_close_matches(u, known, n=1) for u in unknown}
    hint = ", ".join(f"{u} -> {c[0]}?" for u, c in close.items() if c)
    raise ConfigError(f"model {model!r} has no parameter(s) {', '.join(unknown)} (in {where})",
                      (f"did you mean {hint} " if hint else "")
                      + f"see `sfmbench models show {model}`")


def _strict_bools(cls: type, layer: Mapping[str, Any]) -> dict[str, Any]:
    """Boolean fields parsed strictly (``yes``/``no``/``1``/``0``; OmegaConf would take
    ``on`` or ``2``)."""
    from .parsing import parse_bool
    types = field_types(cls)
    return {k: parse_bool(v, f"model.{k}") if v is not None and _is_bool(types.get(k)) else v
            for k, v in layer.items()}


def _value_at(layer: Any, path: str) -> Any:
    for part in path.split(".") if path else []:
        if isinstance(layer, Mapping) and part in layer:
            layer = layer[part]
        elif isinstance(layer, (list, tuple)) and part.isdigit() and int(part) < len(layer):
            layer = layer[int(part)]
        else:
            return "?"
    return layer


def _type_error(cls: type, exc: OmegaConfBaseException, layer: Any, model: str,
                where: str) -> ConfigError:
    key = str(getattr(exc, "full_key", "") or "")
    head = key.split(".", 1)[0].split("[", 1)[0]
    expected = type_name(field_types(cls).get(head, Any))
    value = _value_at(layer, key.replace("[", ".").replace("]", ""))
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    reason = str(exc).split("\n", 1)[0]
    return ConfigError(f"model {model!r}: parameter {key or '?'} expects {expected}, got "
                       f"{shown} (in {where}): {reason}",
                       f"see `sfmbench models show {model}`")


def resolve_params(cls: type, layers: list[tuple[str, Mapping[str, Any]]],
                   model: str) -> dict[str, Any]:
    """The class defaults merged with each ``(where, mapping)`` layer in turn (nested dicts
    merge key by key), validated against the field types; a plain dict."""
    cfg = OmegaConf.structured(cls)
    given: dict[str, Any] = {}
    for where, layer in layers:
        if not layer:
            continue
        check_known(cls, layer, model, where)
        layer = _strict_bools(cls, layer)
        given.update(layer)
        try:
            cfg = OmegaConf.merge(cfg, layer)
        except OmegaConfBaseException as exc:
            raise _type_error(cls, exc, layer, model, where) from None
    out: dict[str, Any] = OmegaConf.to_container(cfg, resolve=True)  # type: ignore[assignment]
    # an int given for a float field stays an int here, as it was before typed parameters: the
    # resolved dict is hashed into the job key (the method still reads a float)
    for key, value in given.items():
        if type(value) is int and isinstance(out.get(key), float) and out[key] == value:
            out[key] = value
    return out


def build_params(cls: type[MethodParams], params: Mapping[str, Any],
                 model: str) -> MethodParams:
    """The typed instance of one mapping of (resolved) parameters; a key it lacks keeps the
    field's default (a nested dict replaces the default whole, as a plain dict update)."""
    if isinstance(params, cls):
        return dataclasses.replace(params)
    values = dict(params)
    check_known(cls, values, model, "the method's parameters")
    values = _strict_bools(cls, values)
    try:
        cfg = OmegaConf.structured(cls(**values))
        return OmegaConf.to_object(cfg)  # type: ignore[return-value]
    except OmegaConfBaseException as exc:
        raise _type_error(cls, exc, values, model, "the method's parameters") from None


__all__ = ["MethodParams", "ParamInfo", "build_params", "check_known", "defaults_of",
           "describe", "field_doc", "field_names", "field_types", "param", "params_from_defaults",
           "resolve_params", "type_name", "untyped"]

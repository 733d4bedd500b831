"""Strict parsing of user settings: one boolean parser that every setting uses.

``bool("no")`` is ``True`` in Python, so a setting such as ``model.trust_remote_code=no`` must
never go through ``bool()``. :func:`parse_bool` accepts exactly ``true/false/yes/no/1/0``
(any case; Python booleans and the integers 0/1 too) and rejects everything else with a
:class:`~sfmbench.errors.ConfigError` naming the setting.
"""
from __future__ import annotations

from typing import Any

from .errors import ConfigError

TRUE_WORDS = frozenset({"true", "yes", "1"})
FALSE_WORDS = frozenset({"false", "no", "0"})


def parse_bool(value: Any, name: str) -> bool:
    """``value`` as a bool, or a ConfigError naming ``name``; ``None`` is not accepted."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
    raise ConfigError(f"{name} must be a boolean, got {shown}",
                      f"write {name}=true or {name}=false (also accepted: yes/no, 1/0)")


def bool_setting(settings: dict[str, Any], key: str, default: bool, *,
                 prefix: str = "") -> bool:
    """``settings[key]`` parsed strictly; ``default`` when the key is absent or None."""
    value = settings.get(key)
    return default if value is None else parse_bool(value, prefix + key)


def explicit_true(value: Any, name: str) -> bool:
    """True only for an explicit true; False for absent/None/false; an error for anything else.

    For opt-ins that must fail closed (``trust_remote_code``)."""
    return False if value is None else parse_bool(value, name)


def strict_bools(params: dict[str, Any], defaults: dict[str, Any], prefix: str) -> dict[str, Any]:
    """``params`` with every key whose default is a bool parsed strictly (others untouched)."""
    out = dict(params)
    for key, default in defaults.items():
        if isinstance(default, bool) and out.get(key) is not None:
            out[key] = parse_bool(out[key], prefix + key)
    return out


def per_model_overrides(overrides: dict[str, Any], reserved: set[str],
                        known_models: list[str]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Split ``NAME.KEY=VALUE`` settings addressed to one model out of a sweep's settings.

    ``sweep models=[autoar,myfm] myfm.model_id=DIR`` gives only ``myfm`` its checkpoint, while
    ``model.KEY=VALUE`` still applies to every model. A head that is a reserved setting
    (``task``, ``model``, ``executor`` ...) is never taken as a model name. Returns the remaining
    settings and ``{model: {KEY: VALUE}}`` (nested keys as nested dicts).
    """
    from omegaconf import OmegaConf

    rest: dict[str, Any] = {}
    flat: dict[str, list[str]] = {}
    known = set(known_models)
    for key, value in overrides.items():
        head, dot, tail = key.partition(".")
        if dot and head not in reserved and head in known:
            flat.setdefault(head, []).append(f"{tail}={_json(value)}")
        else:
            rest[key] = value
    per_model = {name: OmegaConf.to_container(OmegaConf.from_dotlist(items))
                 for name, items in flat.items()}
    return rest, per_model  # type: ignore[return-value]


def _json(value: Any) -> str:
    import json
    return json.dumps(value)


def parse_int(value: Any, name: str, *, minimum: int | None = None,
              maximum: int | None = None) -> int:
    """``value`` as an int within bounds (``"12"`` accepted, ``1.5``/``"abc"``/``True`` not)."""
    if isinstance(value, bool):
        ok = False
    elif isinstance(value, int):
        ok = True
    elif isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        value, ok = int(value.strip()), True
    else:
        ok = False
    if ok and (minimum is None or value >= minimum) and (maximum is None or value <= maximum):
        return int(value)
    bounds = (f" >= {minimum}" if minimum is not None else "") + \
        (f" and <= {maximum}" if maximum is not None else "")
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
    raise ConfigError(f"{name} must be an integer{bounds}, got {shown}",
                      f"e.g. {name}={minimum if minimum is not None else 0}")

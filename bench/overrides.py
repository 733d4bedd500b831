"""The ``KEY=VALUE`` override grammar of every command (documented here and in ``--help``).

- ``KEY`` is a dotted path of names: ``task``, ``model.lr``, ``executor.workers``,
  ``my-fm.lora.r`` (letters, digits, ``_`` and ``-``; parts joined by ``.``).
- ``VALUE`` is a scalar, a list ``[a,b]`` or a mapping ``{r: 8, alpha: 16}`` (nested freely).
  Scalars are typed strictly: ``null`` and ``~``; ``true``/``false`` (any case; ``yes``,
  ``off`` ... stay strings, so a boolean setting refuses them); integers (``3``, ``-1``,
  ``1_000``; ``01`` stays a string); floats (``0.5``, ``1e-3``, ``inf``, ``nan``); anything else is a string
  (``ltsf/ETTh1-96``, ``postgresql://u@host/db``). ``'...'`` or ``"..."`` quote a string
  verbatim. An empty value is the empty string.
- ``a,b,c`` (commas outside brackets and quotes) is a list, like ``[a,b,c]``:
  ``seeds=0,1,2``; an empty item (``a,,b``, ``[a,]``) is an error.
- Brackets, braces and parentheses outside quotes must balance; quote a value that contains
  an unbalanced one (``task.path='/data/run (1.csv'``), and quote lists in the shell:
  ``'models=[autoar,dlinear]'``.

Hydra-like, written out in one small module instead of importing Hydra's internal parser.
Differences from Hydra: no ``+key``/``~key`` (there is no defaults list to extend), no
backslash escapes (quote instead), and a ``=`` after the first is part of the value.
"""
from __future__ import annotations

import re
from typing import Any

from .errors import ConfigError

_KEY = re.compile(r"[A-Za-z_][\w-]*(\.[A-Za-z_0-9][\w-]*)*")
_PAIRS = {"]": "[", "}": "{", ")": "("}
HINT = ("KEY=VALUE, e.g. task=ltsf/ETTh1-96 seeds=0,1,2 model.lags=[64,96]; quote lists in "
        "the shell: 'models=[a,b]' (see `sfmbench run --help`)")


def _split_top_level(raw: str, sep: str = ",", limit: int = -1) -> list[str]:
    """Split at ``sep`` outside brackets and quotes (at most ``limit`` times, -1: no limit);
    raise ValueError on unbalanced brackets or quotes."""
    parts, stack, quote, start = [], [], "", 0
    for i, ch in enumerate(raw):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "[{(":
            stack.append(ch)
        elif ch in _PAIRS:
            if not stack or stack.pop() != _PAIRS[ch]:
                raise ValueError(f"unbalanced {ch!r}")
        elif ch == sep and not stack and limit != len(parts):
            parts.append(raw[start:i])
            start = i + 1
    if quote:
        raise ValueError(f"unclosed quote {quote}")
    if stack:
        raise ValueError(f"unclosed {stack[-1]!r}")
    return parts + [raw[start:]]


def _items(text: str) -> list[str]:
    """The comma-separated items of a list; an empty item is an error."""
    items = _split_top_level(text)
    if len(items) > 1 and any(not item.strip() for item in items):
        raise ValueError("an empty item in a list")
    return items


_INT = re.compile(r"[-+]?(0|[1-9]\d*(_\d+)*)")
_FLOAT = re.compile(r"[-+]?((\d[\d_]*)?\.\d[\d_]*|\d[\d_]*\.?)([eE][-+]?\d+)?|[-+]?(inf|nan)",
                    re.IGNORECASE)
_WORDS: dict[str, Any] = {"null": None, "~": None, "true": True, "false": False}


def _scalar(text: str) -> Any:
    if text.lower() in _WORDS:
        return _WORDS[text.lower()]
    if _INT.fullmatch(text):
        return int(text.replace("_", ""))
    if _FLOAT.fullmatch(text) and (any(c.isdigit() for c in text)
                                   or text.lower().lstrip("+-") in ("inf", "nan")):
        return float(text.replace("_", ""))
    return text


def _value(text: str) -> Any:
    """One value of the grammar (see the module docstring)."""
    text = text.strip()
    if len(text) >= 2 and text[0] in "'\"" and text[-1] == text[0]:
        return text[1:-1]
    if text[:1] in ("[", "{"):
        close = "]" if text[0] == "[" else "}"
        if text[-1:] != close:
            raise ValueError(f"text after the closing {close!r}")
        inner = text[1:-1].strip()
        items = _items(inner) if inner else []
        if text[0] == "[":
            return [_value(item) for item in items]
        pairs = [_split_top_level(item, sep=":", limit=1) for item in items]
        if any(len(p) != 2 or not p[0].strip() for p in pairs):
            raise ValueError("a mapping is {key: value, ...}")
        return {str(_value(k)): _value(v) for k, v in pairs}
    return _scalar(text) if text else ""


def parse_overrides(args: list[str]) -> dict[str, Any]:
    """``["a.b=1", "c=[x,y]", "s=0,1"]`` -> ``{"a.b": 1, "c": ["x", "y"], "s": [0, 1]}``."""
    out: dict[str, Any] = {}
    for arg in args:
        key, sep, raw = arg.partition("=")
        key = key.strip()
        if not sep or not _KEY.fullmatch(key):
            raise ConfigError(f"malformed override {arg!r}: expected KEY=VALUE with KEY a "
                              "dotted name", HINT)
        try:
            parts = _items(raw) if raw.strip() else [raw]
            values = [_value(p) for p in parts]
        except ValueError as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ConfigError(f"malformed override {arg!r}: {first}", HINT) from None
        out[key] = values if len(parts) > 1 else values[0]
    return out

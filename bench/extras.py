"""Optional extras: which ``sfmbench[extra]`` a model needs, and whether it is installed.

A registration declares its extra in its metadata (``registry.register(..., extra="genomics")``);
this module reads it, so listings, hints and suites never guess from module paths.
"""
from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, distribution, version

from .catalog import METHODS
from .errors import SfmbenchError


def method_extra(method: str) -> str | None:
    """The pip extra a registered method's code needs (``None``: the base install)."""
    try:
        return METHODS.metadata(method).get("extra")
    except SfmbenchError:
        return None


def extra_installed(extra: str) -> bool:
    """True when every distribution the extra requires is installed."""
    try:
        requires = distribution("sfmbench").requires or []
    except PackageNotFoundError:
        return True
    for req in requires:
        if f'extra == "{extra}"' not in req and f"extra == '{extra}'" not in req:
            continue
        try:
            version(re.split(r"[\s;<>=!~\[]", req, maxsplit=1)[0])
        except PackageNotFoundError:
            return False
    return True


def missing_extra(method: str) -> str | None:
    """The extra a method needs and that is not installed, else ``None``."""
    extra = method_extra(method)
    return extra if extra is not None and not extra_installed(extra) else None

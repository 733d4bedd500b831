"""Optional extras: which ``sfmbench[extra]`` a model needs, and whether it is installed.

A method class declares its extra (``extra: ClassVar[str | None] = "genomics"``); this module
reads it, so listings, hints and suites never guess from module paths. Method modules import
their optional packages inside methods, so the class (and its ``extra``) loads without them; a
plugin whose module cannot import may say it at registration
(``registry.register(name, target, extra="genomics")``).
"""
from __future__ import annotations

from functools import lru_cache
from importlib.metadata import PackageNotFoundError, distribution, version

from packaging.requirements import Requirement

from .catalog import METHODS
from .errors import SfmbenchError


def method_extra(method: str) -> str | None:
    """The pip extra a registered method's code needs (``None``: the base install): the class's
    ``extra``, else an ``extra=`` given at registration (also where the class cannot import)."""
    try:
        registered = METHODS.metadata(method).get("extra")
    except SfmbenchError:
        return None
    try:
        return getattr(METHODS.get(method), "extra", None) or registered
    except SfmbenchError:   # its module does not import (a missing package)
        return registered


@lru_cache(maxsize=None)
def extra_installed(extra: str) -> bool:
    """True when every distribution the extra requires is installed (read once per process)."""
    try:
        requires = distribution("sfmbench").requires or []
    except PackageNotFoundError:
        return True
    for req in map(Requirement, requires):
        if req.marker is None or not req.marker.evaluate({"extra": extra}):
            continue
        try:
            version(req.name)
        except PackageNotFoundError:
            return False
    return True


def missing_extra(method: str) -> str | None:
    """The extra a method needs and that is not installed, else ``None``."""
    extra = method_extra(method)
    return extra if extra is not None and not extra_installed(extra) else None

"""User-facing errors: every one says what is wrong and how to fix it."""
from __future__ import annotations

import difflib
from collections.abc import Iterable


class SfmbenchError(Exception):
    """An error the CLI prints without a traceback: a message plus a hint how to fix it."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class UnknownNameError(SfmbenchError, KeyError):
    """A task, model or suite name that is not registered."""

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        known = list(known)
        close = difflib.get_close_matches(name, known, n=5, cutoff=0.5)
        if not close:
            low = name.lower()
            close = [k for k in known if low in k.lower() or k.lower() in low][:5]
        hint = (f"did you mean: {', '.join(close)}?" if close else "")
        hint += f" List them with `sfmbench {kind}s list`." if kind in ("task", "model", "suite") \
            else f" Known: {', '.join(sorted(known)[:20])}."
        super().__init__(f"unknown {kind} {name!r}", hint.strip() or None)
        self.close_matches = close

    __str__ = SfmbenchError.__str__


class DataError(SfmbenchError):
    """Missing, corrupt or malformed data (wrong columns, NaNs, checksum mismatch...)."""


class ConfigError(SfmbenchError):
    """A malformed config value or override."""


class StorageError(SfmbenchError):
    """The result store cannot be reached or used."""


class PluginError(SfmbenchError):
    """A plugin that does not meet the adapter contract."""

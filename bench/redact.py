"""Keep secrets and raw file content out of everything sfmbench prints, logs or stores.

:func:`redact_url` hides the password (and secret-looking query values) of one database or
download URL; :func:`redact_text` does the same for every URL inside a free text (an error
message, a log line); :func:`excerpt` quotes at most a short, single-line, printable piece of
untrusted content (a CSV cell, a header) so an error never dumps a file.
"""
from __future__ import annotations

import re
from typing import Any

MASK = "***"
#: query parameters whose values are secrets
_SECRET_KEYS = re.compile(r"(?i)(pass(word)?|pwd|secret|token|key|api[-_]?key|auth|sig|"
                          r"signature|credential|access[-_]?token)")
#: scheme://user:password@host  (the password part is group "pw")
_USERINFO = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^\s/@:]*:)(?P<pw>[^\s@/]*)(?=@)")
_QUERY = re.compile(r"(?P<k>[?&;](?P<name>[A-Za-z0-9_.\-]+)=)(?P<v>[^&;\s#'\"]*)")


def redact_url(url: Any) -> str:
    """``url`` with its password and secret query values replaced by ``***``."""
    text = str(url)
    try:
        import sqlalchemy as sa
        rendered = sa.engine.make_url(text).render_as_string(hide_password=True)
        return _redact_query(rendered)
    except Exception:  # noqa: BLE001 - not an SQLAlchemy URL: fall back to the patterns
        return redact_text(text)


def _redact_query(text: str) -> str:
    def sub(m: re.Match[str]) -> str:
        return m.group("k") + MASK if _SECRET_KEYS.search(m.group("name")) and m.group("v") \
            else m.group(0)
    return _QUERY.sub(sub, text)


def redact_text(text: Any) -> str:
    """Every ``scheme://user:password@`` and ``?token=...`` in ``text`` masked."""
    out = _USERINFO.sub(lambda m: m.group("head") + MASK, str(text))
    return _redact_query(out)


def excerpt(value: Any, limit: int = 40) -> str:
    """A quotable piece of untrusted content: first line only, printable, at most ``limit``."""
    text = str(value)
    first = text.splitlines()[0] if text.splitlines() else ""
    clean = "".join(ch if ch.isprintable() else "?" for ch in first)
    more = len(clean) > limit or len(text) > len(first)
    return repr(clean[:limit] + ("..." if more else ""))


def safe_message(text: Any, limit: int = 4000) -> str:
    """A message fit to store: URLs redacted, no NUL or control bytes, bounded length."""
    clean = "".join(ch if ch.isprintable() or ch in "\n\t" else "?" for ch in redact_text(text))
    return clean if len(clean) <= limit else clean[: limit - 3] + "..."

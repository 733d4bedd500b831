"""Downloads into the data cache: resumable, checksum-verified, atomic, with clear offline errors.

Every domain uses the same two calls: :func:`ensure_file` for a file at a fixed place under the
cache (used as it is when present, downloaded otherwise) and :func:`fetch` for one download.
A download goes to ``<dest>.part``, is resumed with an HTTP ``Range`` request when interrupted,
is checked against its length and sha256, and only then renamed to ``dest``; a truncated or
corrupt file is never left at ``dest``.
"""
from __future__ import annotations

import hashlib
import os
import re
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
import requests
from filelock import FileLock

from .errors import DataError
from .redact import redact_text, redact_url

#: environment variable naming the data cache; default: the user cache dir of "sfmbench"
DATA_ENV = "SFMBENCH_DATA"
CHUNK = 1 << 16
#: resume attempts after a connection drop or a short read, per call of :func:`fetch`
MAX_ATTEMPTS = 5
TIMEOUT = (15.0, 60.0)  # (connect, read) seconds

_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")


def data_root() -> Path:
    """The data cache: ``$SFMBENCH_DATA``, else the platform's user cache dir for sfmbench."""
    env = os.environ.get(DATA_ENV)
    return Path(env).expanduser() if env else Path(platformdirs.user_cache_dir("sfmbench"))


def sha256sum(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def verify(path: Path, sha256: str | None, url: str | None = None) -> None:
    """Raise :class:`DataError` when ``path`` does not have the expected sha256."""
    if not sha256:
        return
    actual = sha256sum(path)
    if actual.lower() != sha256.lower():
        source = f" from {redact_url(url)}" if url else ""
        raise DataError(f"checksum mismatch for {path}: expected sha256 {sha256.lower()}, "
                        f"got {actual}",
                        f"the file is corrupt or a different version: delete {path} and run "
                        f"again to download it{source}, or put the right file at that path")


def ensure_file(relpath: str | os.PathLike[str], url: str, sha256: str | None = None, *,
                progress: bool = True) -> Path:
    """``<data_root>/<relpath>``: used as it is when present (checked when ``sha256`` is known),
    else downloaded from ``url``."""
    path = data_root() / relpath
    if path.is_file():
        verify(path, sha256, url)
        return path
    return fetch(url, path, sha256, progress=progress)


def fetch(url: str, dest: str | os.PathLike[str], sha256: str | None = None, *,
          progress: bool = True) -> Path:
    """Download ``url`` to ``dest`` via ``dest.part``, verify it, rename atomically.

    With a pinned ``sha256`` a ``.part`` left by an earlier run is resumed (the final checksum
    catches any mix). Without one, nothing is resumed blindly: a leftover ``.part`` is discarded,
    the body's length must be announced by the server and is verified, and a resume after a
    dropped connection must answer with the same total length (and ``If-Range`` guards it when
    the server gave an ETag or Last-Modified).
    """
    dest = Path(dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create the folder {dest.parent}: {exc}",
                        f"set {DATA_ENV} to a writable folder") from exc
    part = dest.with_name(dest.name + ".part")
    with FileLock(dest.with_name(f".{dest.name}.lock")):  # one writer per .part at a time
        if dest.is_file():  # another process finished it while we waited
            verify(dest, sha256, url)
            return dest
        if part.exists() and not sha256:  # unverifiable leftover of an earlier run
            part.unlink()
        _download(url, part, dest, progress, pinned=bool(sha256))
        try:
            verify(part, sha256, url)
        except DataError as exc:
            part.unlink(missing_ok=True)
            raise DataError(f"downloaded {redact_url(url)} to {dest}, but {exc.message}",
                            f"the download was corrupted or the file changed upstream: run "
                            f"again to retry, or put a verified copy at {dest}") from None
        os.replace(part, dest)
    return dest


def _offline_error(url: str, dest: Path, reason: object) -> DataError:
    return DataError(f"cannot download {redact_url(url)}: {redact_text(reason)}",
                     f"if this machine is offline, download the file elsewhere and put it at "
                     f"{dest} (exactly this path; or set {DATA_ENV} to the folder holding it)")


@dataclass
class _Transfer:
    """What the first response said about the resource; later resumes must agree with it."""

    pinned: bool                   # a sha256 will be checked at the end
    total: int | None = None       # announced length of the whole body
    validator: str | None = None   # ETag (strong) or Last-Modified, for If-Range


def _download(url: str, part: Path, dest: Path, progress: bool, *, pinned: bool = True) -> None:
    """Fill ``part`` with the whole body of ``url``, resuming across dropped connections."""
    attempts = 0
    xfer = _Transfer(pinned=pinned)
    with _progress(progress) as bar:
        task = bar.add_task(dest.name, total=None, status="") if bar is not None else None
        while True:
            attempts += 1
            offset = part.stat().st_size if part.exists() else 0
            try:
                done = _request_once(url, part, dest, offset, bar, task, xfer)
            except requests.exceptions.ChunkedEncodingError:  # connection dropped mid-body
                done = False
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempts == 1 or attempts >= MAX_ATTEMPTS:
                    raise _offline_error(url, dest, exc) from None
                continue
            if done:
                return
            if not xfer.pinned and xfer.total is None:  # nothing to check a resume against
                part.unlink(missing_ok=True)
                raise DataError(f"cannot verify the download of {redact_url(url)}: the server "
                                "announced no length and no sha256 is pinned for it",
                                f"download the file by hand and put it at {dest}, or pin its "
                                "sha256 in the dataset's catalog entry")
            if attempts >= MAX_ATTEMPTS:
                size = part.stat().st_size if part.exists() else 0
                if not xfer.pinned:  # unverifiable bytes are not kept for a later resume
                    part.unlink(missing_ok=True)
                raise DataError(f"download of {redact_url(url)} stopped early {attempts} times "
                                f"({size} bytes received of "
                                f"{xfer.total if xfer.total is not None else 'unknown'})",
                                f"run again to {'resume' if xfer.pinned else 'retry'}, or "
                                f"download the file by hand and put it at {dest}")


def _request_once(url: str, part: Path, dest: Path, offset: int, bar: Any,
                  task: Any, xfer: _Transfer | None = None) -> bool:
    """One GET from ``offset``; True when the whole file is now in ``part``."""
    xfer = xfer or _Transfer(pinned=True)
    headers = {"Accept-Encoding": "identity"}  # byte counts must match Content-Length
    if offset:
        headers["Range"] = f"bytes={offset}-"
        if xfer.validator:
            headers["If-Range"] = xfer.validator
    with requests.get(url, headers=headers, stream=True, timeout=TIMEOUT) as resp:
        if resp.status_code == 416 and offset:  # nothing beyond what we have
            total = _total_from_range(resp.headers.get("Content-Range", ""))
            if total == offset and (xfer.pinned or xfer.total in (None, total)):
                xfer.total = total
                return True
            part.unlink()  # our partial file is longer than the resource: start over
            return False
        if resp.status_code >= 400:
            hint = ("check the URL; the file may have moved upstream" if resp.status_code == 404
                    else "retry later")
            raise DataError(f"cannot download {redact_url(url)}: HTTP {resp.status_code} "
                            f"{redact_text(resp.reason)}", f"{hint}, or put the file at {dest} by hand")
        validator = resp.headers.get("ETag") or resp.headers.get("Last-Modified")
        if validator and validator.startswith("W/"):
            validator = None  # weak ETags are not valid for If-Range
        if resp.status_code == 206:
            total = _total_from_range(resp.headers.get("Content-Range", ""))
            if not xfer.pinned and (total is None or total != xfer.total or
                                    (xfer.validator and validator != xfer.validator)):
                part.unlink(missing_ok=True)  # a different resource now: never splice it
                xfer.total, xfer.validator = total, validator  # start over against the new one
                return False
            mode = "ab"
        else:  # 200: the server ignored the Range header, so the body is the whole file
            offset = 0
            length = resp.headers.get("Content-Length")
            total = int(length) if length and "Content-Encoding" not in resp.headers else None
            mode = "wb"
        xfer.total = total if total is not None else xfer.total
        xfer.validator = validator or xfer.validator
        if bar is not None:
            bar.update(task, total=total, completed=offset)
        with open(part, mode) as fh:
            for block in resp.iter_content(CHUNK):
                fh.write(block)
                if bar is not None:
                    bar.advance(task, len(block))
        size = part.stat().st_size
        if total is None:
            return xfer.pinned  # unknown length: only a pinned sha256 can vouch for the body
        if size < total:
            return False  # the server closed early: resume
        if size > total:
            part.unlink()
            return False
        return True


def _total_from_range(header: str) -> int | None:
    m = _CONTENT_RANGE.search(header) or re.search(r"bytes\s+\*/(\d+)", header)
    if not m or m.groups()[-1] == "*":
        return None
    return int(m.groups()[-1])


def _progress(enabled: bool) -> Any:
    """A progress bar with size, speed and ETA (or nothing)."""
    if not enabled:
        return nullcontext(None)
    from .progress import make_progress
    return make_progress(transient=True, in_bytes=True)


_IDENTITIES: dict[tuple[str, int, int], str] = {}


def content_identity(*paths: str | os.PathLike[str], label: str | None = None) -> str:
    """``"<name>:<sha256 prefix>"`` of one or more user files: the identity of a task's data.

    The hash covers every byte of every file (and their order); it is cached per
    (path, size, mtime) so that planning a sweep hashes each file once.
    """
    from .errors import DataError as _DataError
    from .redact import excerpt

    h = hashlib.sha256()
    for raw in paths:
        path = Path(raw).expanduser()
        try:
            st = path.stat()
            key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
            if key not in _IDENTITIES:
                _IDENTITIES[key] = sha256sum(path)
        except OSError as exc:
            raise _DataError(f"cannot read {path}: {exc.strerror or exc}",
                             "check the path and that the file exists and is readable") from None
        h.update(_IDENTITIES[key].encode())
    name = label or Path(paths[0]).name
    return f"{excerpt(name, 40)[1:-1]}:{h.hexdigest()[:12]}"

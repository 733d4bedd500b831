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
from pathlib import Path
from typing import Any

import platformdirs
import requests
from filelock import FileLock

from .errors import DataError

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
        source = f" from {url}" if url else ""
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
    """Download ``url`` to ``dest`` (resuming ``dest.part``), verify it, rename atomically."""
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
        _download(url, part, dest, progress)
        try:
            verify(part, sha256, url)
        except DataError as exc:
            part.unlink(missing_ok=True)
            raise DataError(f"downloaded {url} to {dest}, but {exc.message}",
                            f"the download was corrupted or the file changed upstream: run "
                            f"again to retry, or put a verified copy at {dest}") from None
        os.replace(part, dest)
    return dest


def _offline_error(url: str, dest: Path, reason: object) -> DataError:
    return DataError(f"cannot download {url}: {reason}",
                     f"if this machine is offline, download the file elsewhere and put it at "
                     f"{dest} (exactly this path; or set {DATA_ENV} to the folder holding it)")


def _download(url: str, part: Path, dest: Path, progress: bool) -> None:
    """Fill ``part`` with the whole body of ``url``, resuming across dropped connections."""
    attempts = 0
    with _progress(progress) as bar:
        task = bar.add_task(dest.name, total=None) if bar is not None else None
        while True:
            attempts += 1
            offset = part.stat().st_size if part.exists() else 0
            try:
                done = _request_once(url, part, dest, offset, bar, task)
            except requests.exceptions.ChunkedEncodingError:  # connection dropped mid-body
                done = False
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempts == 1 or attempts >= MAX_ATTEMPTS:
                    raise _offline_error(url, dest, exc) from None
                continue
            if done:
                return
            if attempts >= MAX_ATTEMPTS:
                size = part.stat().st_size if part.exists() else 0
                raise DataError(f"download of {url} stopped early {attempts} times "
                                f"({size} bytes received into {part})",
                                f"run again to resume, or download the file by hand and put it "
                                f"at {dest}")


def _request_once(url: str, part: Path, dest: Path, offset: int, bar: Any,
                  task: Any) -> bool:
    """One GET from ``offset``; True when the whole file is now in ``part``."""
    headers = {"Accept-Encoding": "identity"}  # byte counts must match Content-Length
    if offset:
        headers["Range"] = f"bytes={offset}-"
    with requests.get(url, headers=headers, stream=True, timeout=TIMEOUT) as resp:
        if resp.status_code == 416 and offset:  # nothing beyond what we have
            total = _total_from_range(resp.headers.get("Content-Range", ""))
            if total == offset:
                return True
            part.unlink()  # our partial file is longer than the resource: start over
            return False
        if resp.status_code >= 400:
            hint = ("check the URL; the file may have moved upstream" if resp.status_code == 404
                    else "retry later")
            raise DataError(f"cannot download {url}: HTTP {resp.status_code} {resp.reason}",
                            f"{hint}, or put the file at {dest} by hand")
        if resp.status_code == 206:
            total = _total_from_range(resp.headers.get("Content-Range", ""))
            mode = "ab"
        else:  # 200: the server ignored the Range header, so the body is the whole file
            offset = 0
            length = resp.headers.get("Content-Length")
            total = int(length) if length and "Content-Encoding" not in resp.headers else None
            mode = "wb"
        if bar is not None:
            bar.update(task, total=total, completed=offset)
        with open(part, mode) as fh:
            for block in resp.iter_content(CHUNK):
                fh.write(block)
                if bar is not None:
                    bar.advance(task, len(block))
        size = part.stat().st_size
        if total is not None and size < total:
            return False  # the server closed early: resume
        if total is not None and size > total:
            part.unlink()
            return False
        return True


def _total_from_range(header: str) -> int | None:
    m = _CONTENT_RANGE.search(header) or re.search(r"bytes\s+\*/(\d+)", header)
    if not m or m.groups()[-1] == "*":
        return None
    return int(m.groups()[-1])


def _progress(enabled: bool) -> Any:
    """A rich progress bar with size, speed and ETA (or nothing)."""
    if not enabled:
        return nullcontext(None)
    from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn,
                               TimeRemainingColumn, TransferSpeedColumn)
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(),
                    TransferSpeedColumn(), TimeRemainingColumn(), transient=True)

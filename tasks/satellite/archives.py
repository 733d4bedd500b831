"""Safe extraction of dataset tar archives (BigEarthNet's ``.tar.gz``/``.tar.bz2``).

Only regular files and folders are extracted; a member with an absolute path, a ``..``
component, a link or a device is refused (tar's ``data`` filter semantics, plus our own checks
so the rule holds on every Python). The archive's leading folder is replaced by ``folder``, so
``BigEarthNet-S2-Example/<patch>/...`` and ``BigEarthNet-v1.0/<patch>/...`` both land in
``dest/<folder>/<patch>/...``. Extraction goes to ``<folder>.partial`` first and is renamed when
complete, so an interrupted run never leaves a half-filled folder behind.
"""
from __future__ import annotations

import hashlib
import shutil
import tarfile
from pathlib import Path, PurePosixPath

from sfmbench.errors import DataError


def md5sum(path: Path) -> str:
    """The md5 hex digest of ``path`` (the sums that BigEarthNet and torchgeo publish)."""
    h = hashlib.md5()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _relative(member: tarfile.TarInfo) -> PurePosixPath | None:
    """The member's path below the archive's top folder; None for the top folder itself."""
    path = PurePosixPath(member.name)
    if path.is_absolute() or ".." in path.parts or member.name.startswith(("/", "\\")):
        raise DataError(f"archive member {member.name!r} points outside the extraction folder",
                        "the archive is corrupt or malicious: delete it and download it again")
    if member.issym() or member.islnk() or member.isdev() or member.isfifo():
        raise DataError(f"archive member {member.name!r} is a link or device file",
                        "dataset archives hold only files and folders: download it again")
    parts = path.parts[1:] if len(path.parts) > 1 else ()
    return PurePosixPath(*parts) if parts else None


def extract_tar(archive: Path, dest: Path, folder: str) -> Path:
    """Extract ``archive`` into ``dest/folder`` (see the module doc); returns that folder."""
    final = dest / folder
    if final.is_dir():
        return final
    partial = dest / f"{folder}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        with tarfile.open(archive, "r:*") as tf:
            for member in tf:
                rel = _relative(member)
                if rel is None:
                    continue
                target = partial.joinpath(*rel.parts)
                if member.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                if not member.isfile():
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                src = tf.extractfile(member)
                if src is None:
                    continue
                with src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out, 1 << 20)
    except (tarfile.TarError, EOFError, OSError) as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise DataError(f"cannot extract {archive}: {exc}",
                        "the archive is truncated or corrupt: delete it and download it again"
                        ) from exc
    except DataError:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    partial.rename(final)
    return final

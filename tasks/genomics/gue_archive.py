"""Fetching the published GUE zip (Google Drive) and unpacking it into ``<data root>/gue/``.

The zip holds ``GUE/<group>/<dataset>/{train,dev,test}.csv``; members are extracted with the
leading folder(s) before the group stripped, so the result is ``gue/<group>/<dataset>/``.
The download goes through :func:`sfmbench.download.fetch` (resumable, atomic); no checksum is
published for the zip, so a file that is not a zip (e.g. a Drive quota page) is rejected.
"""
from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path, PurePosixPath

from sfmbench import download
from sfmbench.errors import DataError

from .catalog import GUE

GUE_DRIVE_ID = "1GRtbzTe3UXYF1oW27ASNhYX3SZ16D7N2"
#: direct download endpoint of the Drive file (no interstitial page for large files)
GUE_ZIP_URL = (f"https://drive.usercontent.google.com/download?id={GUE_DRIVE_ID}"
               "&export=download&confirm=t")
GROUPS = frozenset(d.group for d in GUE)


def fetch_gue(root: Path, how_to_get: str) -> None:
    """Download the GUE zip into ``root`` (the ``gue`` folder), extract it, delete the zip."""
    archive = root / "GUE.zip"
    try:
        if not archive.is_file():
            download.fetch(GUE_ZIP_URL, archive)
        extract(archive, root)
    except DataError as exc:
        raise DataError(f"GUE is not in {root} and fetching it failed: {exc.message}",
                        how_to_get) from exc
    archive.unlink(missing_ok=True)


#: caps on what extraction writes (the published GUE zip unpacks to well under these)
MAX_TOTAL_BYTES = 4 * 2**30
MAX_RATIO = 100.0  # uncompressed bytes per byte of archive


def extract(archive: Path, root: Path, *, max_total: int = MAX_TOTAL_BYTES,
            max_ratio: float = MAX_RATIO) -> int:
    """Extract the GUE csv files of ``archive`` into ``root``; returns how many were written.

    Refuses links (a symlink member in the archive, or a symlink already on a destination path
    under ``root``) and archives that unpack to more than ``max_total`` bytes or more than
    ``max_ratio`` times their own size (counted on the bytes actually written, not on the
    headers' claims).
    """
    written, total = 0, 0
    budget = min(max_total, int(max(archive.stat().st_size, 1) * max_ratio))
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                if stat.S_ISLNK(info.external_attr >> 16):
                    raise DataError(f"{archive} holds a symbolic link ({info.filename!r}); "
                                    "refusing to extract it", _REFETCH)
                target = _target(PurePosixPath(info.filename), root)
                if info.is_dir() or target is None:
                    continue
                _refuse_links(target, root)
                target.parent.mkdir(parents=True, exist_ok=True)
                _refuse_links(target, root)
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC |
                             getattr(os, "O_NOFOLLOW", 0), 0o644)
                with zf.open(info) as src, os.fdopen(fd, "wb") as dst:
                    while block := src.read(1 << 20):
                        total += len(block)
                        if total > budget:
                            raise DataError(
                                f"{archive} unpacks to more than {budget} bytes (cap: "
                                f"{max_total} bytes and {max_ratio:g}x the archive's size); "
                                "refusing to extract it (a zip bomb or not the GUE archive)",
                                _REFETCH)
                        dst.write(block)
                written += 1
    except zipfile.BadZipFile as exc:
        archive.unlink(missing_ok=True)
        raise DataError(f"{archive} is not a zip archive ({exc}); deleted it",
                        "Google Drive may have served a quota or login page") from exc
    if not written:
        raise DataError(f"{archive} holds no GUE csv files",
                        f"expected GUE/<group>/<dataset>/train.csv with group in "
                        f"{sorted(GROUPS)}")
    return written


_REFETCH = "delete the archive and download the published GUE zip again"


def _refuse_links(target: Path, root: Path) -> None:
    """DataError if ``target`` or any folder between ``root`` and it is a symbolic link."""
    path = target
    while path != root and path.parent != path:
        if path.is_symlink():
            raise DataError(f"refusing to extract through the symbolic link {path}",
                            f"remove the link (or set SFMBENCH_DATA to a folder without links "
                            f"below {root})")
        path = path.parent


def _target(member: PurePosixPath, root: Path) -> Path | None:
    """Destination of one zip member: from its group folder on; None to skip it."""
    parts = member.parts
    if "__MACOSX" in parts or member.suffix != ".csv" or ".." in parts:
        return None
    starts = [i for i, p in enumerate(parts) if p in GROUPS]
    return root.joinpath(*parts[starts[0]:]) if starts else None

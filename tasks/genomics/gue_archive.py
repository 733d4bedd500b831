"""Fetching the published GUE zip (Google Drive) and unpacking it into ``<data root>/gue/``.

The zip holds ``GUE/<group>/<dataset>/{train,dev,test}.csv``; members are extracted with the
leading folder(s) before the group stripped, so the result is ``gue/<group>/<dataset>/``.
The download goes through :func:`sfmbench.download.fetch` (resumable, atomic); no checksum is
published for the zip, so a file that is not a zip (e.g. a Drive quota page) is rejected.
"""
from __future__ import annotations

import shutil
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


def extract(archive: Path, root: Path) -> int:
    """Extract the GUE csv files of ``archive`` into ``root``; returns how many were written."""
    written = 0
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                target = _target(PurePosixPath(info.filename), root)
                if info.is_dir() or target is None:
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
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


def _target(member: PurePosixPath, root: Path) -> Path | None:
    """Destination of one zip member: from its group folder on; None to skip it."""
    parts = member.parts
    if "__MACOSX" in parts or member.suffix != ".csv" or ".." in parts:
        return None
    starts = [i for i, p in enumerate(parts) if p in GROUPS]
    return root.joinpath(*parts[starts[0]:]) if starts else None

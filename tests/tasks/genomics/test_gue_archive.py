"""GUE zip extraction: real zip files; links refused, size and ratio capped."""
from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from sfmbench.errors import DataError
from sfmbench.tasks.genomics.gue_archive import extract


def _zip(path: Path, members: dict[str, bytes], links: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return path


CSV = b"sequence,label\nACGT,0\nTTGA,1\n"


def test_extracts_group_folders(tmp_path):
    archive = _zip(tmp_path / "GUE.zip", {"GUE/prom/prom_core_all/train.csv": CSV,
                                          "GUE/prom/prom_core_all/test.csv": CSV,
                                          "__MACOSX/x.csv": CSV, "GUE/readme.txt": b"x"})
    assert extract(archive, tmp_path / "gue") == 2
    assert (tmp_path / "gue/prom/prom_core_all/train.csv").read_bytes() == CSV


def test_refuses_symlink_members(tmp_path):
    archive = _zip(tmp_path / "GUE.zip", {"GUE/prom/a/train.csv": CSV},
                   links={"GUE/prom/a/test.csv": "/etc/passwd"})
    with pytest.raises(DataError, match="symbolic link"):
        extract(archive, tmp_path / "gue")


def test_refuses_to_write_through_an_existing_link(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "gue"
    root.mkdir()
    (root / "prom").symlink_to(outside, target_is_directory=True)
    archive = _zip(tmp_path / "GUE.zip", {"GUE/prom/a/train.csv": CSV})
    with pytest.raises(DataError, match="symbolic link"):
        extract(archive, root)
    assert not any(outside.rglob("*"))
    (root / "prom").unlink()
    (root / "prom" / "a").mkdir(parents=True)
    (root / "prom" / "a" / "train.csv").symlink_to(outside / "victim.csv")
    with pytest.raises(DataError, match="symbolic link"):
        extract(archive, root)
    assert not (outside / "victim.csv").exists()


def test_caps_ratio_and_total_size(tmp_path):
    bomb = _zip(tmp_path / "GUE.zip", {"GUE/prom/a/train.csv": b"A" * 5_000_000})
    assert bomb.stat().st_size < 50_000
    with pytest.raises(DataError, match="refusing to extract"):
        extract(bomb, tmp_path / "gue")
    plain = _zip(tmp_path / "small.zip", {"GUE/prom/a/train.csv": CSV * 100})
    with pytest.raises(DataError, match="more than 1000 bytes"):
        extract(plain, tmp_path / "gue2", max_total=1000)

"""BigEarthNet-S2: the six real patches of the shared data load through the real loader
(torchgeo's dataset class over the official layout), with both nomenclatures."""
from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import numpy as np
import pytest

from sfmbench.catalog import create_task
from sfmbench.errors import DataError

#: the CORINE labels of the six example patches, mapped by hand from TU Berlin's
#: label_indices.json (43-class name -> 19-class name)
TO_19 = {
    "Non-irrigated arable land": "Arable land",
    "Land principally occupied by agriculture, with significant areas of natural vegetation":
        "Land principally occupied by agriculture, with significant areas of natural vegetation",
    "Pastures": "Pastures",
    "Complex cultivation patterns": "Complex cultivation patterns",
    "Broad-leaved forest": "Broad-leaved forest",
    "Transitional woodland/shrub": "Transitional woodland, shrub",
    "Coniferous forest": "Coniferous forest",
    "Mixed forest": "Mixed forest",
    "Peatbogs": "Inland wetlands",
    "Water bodies": "Inland waters",
}


def _example_labels(shared_data: Path, monkeypatch) -> dict[str, list[str]]:
    """Patch name -> CORINE labels of the example archive, read independently of the loader."""
    pytest.importorskip("torchgeo")
    archive = shared_data / "bigearthnet" / "BigEarthNet-S2-Example.tar.bz2"
    if not archive.is_file():
        pytest.skip(f"{archive} is missing")
    monkeypatch.setenv("SFMBENCH_DATA", str(shared_data))
    with tarfile.open(archive) as tf:
        return {Path(m.name).parent.name: json.load(tf.extractfile(m))["labels"]
                for m in tf.getmembers() if m.name.endswith("_labels_metadata.json")}


def _write_splits(tmp_path: Path, order: dict[str, list[str]]) -> Path:
    """Split CSVs in the official format ("s2_patch,s1_patch" per line)."""
    splits = tmp_path / "splits"
    splits.mkdir()
    for split, names in order.items():
        (splits / f"bigearthnet-{split}.csv").write_text(
            "".join(f"{n},S1B_IW_GRDH_{i}\n" for i, n in enumerate(names)))
    return splits


@pytest.mark.shared_data
def test_six_real_patches_load_with_both_nomenclatures(shared_data: Path, tmp_path: Path,
                                                       monkeypatch) -> None:
    metas = _example_labels(shared_data, monkeypatch)
    patches = sorted(metas)
    assert len(patches) == 6
    order = {"train": patches[:2], "val": patches[2:4], "test": patches[4:]}
    splits = _write_splits(tmp_path, order)
    cache = tmp_path / "cache"
    from torchgeo.datasets import BigEarthNet

    for k in (43, 19):
        task = create_task(f"satellite/bigearthnet-{k}",
                           {"cache": str(cache), "splits_dir": str(splits), "download": False})
        data = task.load()
        classes = BigEarthNet.class_sets[k]
        got = {"train": data.train.y, "val": data.val.y, "test": data.test.targets}
        for split, names in order.items():
            assert got[split].shape == (2, k)
            for row, name in zip(got[split], names):
                want = set(metas[name]) if k == 43 else {TO_19[lab] for lab in metas[name]}
                assert {classes[i] for i in np.flatnonzero(row)} == want
        for x in (data.train.x, data.val.x, data.test.inputs.x):
            assert x.shape == (2, 12, 120, 120) and np.isfinite(x).all()
        assert data.info["normalization"]["bands"][8] == "B8A"
    # extracted into the cache, never next to the archive
    assert any(cache.rglob("*_B8A.tif"))
    assert not (shared_data / "bigearthnet" / "BigEarthNet-v1.0").exists()


def test_missing_data_names_the_folder(tmp_path: Path) -> None:
    task = create_task("satellite/bigearthnet-19", {"root": str(tmp_path / "ben"),
                                                    "download": False})
    with pytest.raises(DataError, match="is not in") as err:
        task.prepared_root()
    assert str(tmp_path / "ben") in (err.value.hint or "")


def _tar_with(member: tarfile.TarInfo, path: Path, data: bytes = b"x") -> Path:
    with tarfile.open(path, "w:gz") as tf:
        ok = tarfile.TarInfo("Top/patch/ok.tif")
        ok.size = 1
        tf.addfile(ok, io.BytesIO(b"1"))
        member.size = len(data) if member.isfile() else 0
        tf.addfile(member, io.BytesIO(data) if member.isfile() else None)
    return path


@pytest.mark.parametrize("name,kind", [("Top/../../evil.txt", tarfile.REGTYPE),
                                       ("/etc/evil.txt", tarfile.REGTYPE),
                                       ("Top/link", tarfile.SYMTYPE)])
def test_unsafe_archive_members_are_refused(tmp_path: Path, name: str, kind: bytes) -> None:
    from sfmbench.tasks.satellite.archives import extract_tar

    member = tarfile.TarInfo(name)
    member.type = kind
    if kind == tarfile.SYMTYPE:
        member.linkname = "/etc/passwd"
    archive = _tar_with(member, tmp_path / "a.tar.gz")
    with pytest.raises(DataError, match="outside|link"):
        extract_tar(archive, tmp_path / "out", "BigEarthNet-v1.0")
    assert not (tmp_path / "out" / "BigEarthNet-v1.0").exists()
    assert not (tmp_path / "evil.txt").exists()


def test_archive_top_folder_is_replaced(tmp_path: Path) -> None:
    from sfmbench.tasks.satellite.archives import extract_tar

    member = tarfile.TarInfo("Top/patch/b.tif")
    archive = _tar_with(member, tmp_path / "a.tar.gz")
    out = extract_tar(archive, tmp_path / "out", "BigEarthNet-v1.0")
    assert sorted(p.name for p in (out / "patch").iterdir()) == ["b.tif", "ok.tif"]


def test_splits_that_cannot_fit_in_memory_are_refused_before_reading() -> None:
    from sfmbench.tasks.satellite.bigearthnet import check_memory
    official = {"train": 269_695, "val": 123_723, "test": 125_866}
    with pytest.raises(DataError, match=r"need 358\.\d GB, and 24\.0 GB are available") as err:
        check_memory("satellite/bigearthnet-19", official, available=24_000_000_000)
    assert "train_fraction" in err.value.hint
    check_memory("satellite/bigearthnet-19", {"train": 2, "val": 2, "test": 2},
                 available=24_000_000_000)   # six patches: fine


@pytest.mark.shared_data
def test_the_training_fraction_reads_only_the_kept_patches(shared_data: Path, tmp_path: Path,
                                                           monkeypatch) -> None:
    """``train_fraction`` subsets before reading (a 10 % run never holds the whole split)."""
    patches = sorted(_example_labels(shared_data, monkeypatch))
    splits = _write_splits(tmp_path, {"train": patches[:4], "val": patches[4:5],
                                      "test": patches[5:]})
    from sfmbench.tasks.satellite import bigearthnet
    read: list[int] = []
    original = bigearthnet.BigEarthNetTask._read_split

    def counting(self, ds, split, index):
        read.append(len(index))
        return original(self, ds, split, index)

    monkeypatch.setattr(bigearthnet.BigEarthNetTask, "_read_split", counting)
    task = create_task("satellite/bigearthnet-19",
                       {"cache": str(tmp_path / "cache"), "splits_dir": str(splits),
                        "download": False, "train_fraction": 0.5})
    data = task.load()
    assert read == [2, 1, 1] and data.train.x.shape == (2, 12, 120, 120)

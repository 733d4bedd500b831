"""GUE and the user's own CSV task (``genomics/csv``): real files, every bad input."""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
from .genomics_fixtures import SMALL, write_csv, write_gue_folder

from sfmbench import create_task, download, task_names
from sfmbench.data import ArrayInputs
from sfmbench.errors import ConfigError, DataError
from sfmbench.tasks.genomics import gue_archive
from sfmbench.tasks.genomics.catalog import GUE
from sfmbench.codecs.dna import decode


def test_every_gue_dataset_is_registered() -> None:
    names = task_names("gue/*")
    assert len(GUE) == 28 and len(names) == 28
    assert {"gue/prom_core_all", "gue/tf_0", "gue/mouse_4", "gue/H3", "gue/covid",
            "gue/splice_reconstructed", "gue/prom_300_tata"} <= set(names)
    spec = create_task("gue/covid").spec
    assert spec.num_classes == 9 and spec.input_shape == (5, 1000)
    assert spec.primary_metric == "f1_macro" and spec.higher_is_better  # GUE reports covid by F1
    assert set(spec.metrics) == {"mcc", "f1_macro", "accuracy"}


@pytest.mark.shared_data
@pytest.mark.parametrize("name, folder, sizes, length", [
    ("gue/prom_core_all", "prom/prom_core_all", (47_356, 5_920, 5_920), 70),
    ("gue/tf_0", "tf/0", (32_378, 1_000, 1_000), 101),
])
def test_real_gue_files(shared_data: Path, name: str, folder: str,
                        sizes: tuple[int, int, int], length: int) -> None:
    task = create_task(name, {"root": str(shared_data)})
    data = task.load()
    assert (len(data.train), len(data.val), len(data.test)) == sizes
    assert data.train.x.shape == (sizes[0], 5, length) and data.train.x.dtype == np.uint8
    assert task.spec.input_shape == (5, length) and task.spec.num_classes == 2
    assert (data.train.x.sum(axis=1) == 1).all()               # every position one real base
    assert set(np.unique(data.train.y)) == {0, 1}
    assert isinstance(data.test.inputs, ArrayInputs)
    assert not hasattr(data.test.inputs, "y")                  # test labels stay with the harness
    first = (shared_data / "gue" / folder / "train.csv").read_text().splitlines()[1]
    seq, label = first.split(",")
    assert decode(data.train.x[:1]) == [seq] and data.train.y[0] == int(label)


def _offline(url: str, dest: object, sha256: object = None, **kw: object) -> None:
    raise DataError(f"cannot download {url}: offline")


def test_missing_gue_files_say_where_and_how(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(download, "fetch", _offline)
    with pytest.raises(DataError) as err:
        create_task("gue/H3", {"root": str(tmp_path)}).load()
    assert "fetching it failed: cannot download https://drive.usercontent" in str(err.value)
    hint = str(err.value.hint)
    assert str(tmp_path / "gue") in hint and "EMP/H3/" in hint and "dev.csv" in hint
    assert "drive.google.com" in hint
    with pytest.raises(DataError, match=r"not found in .*EMP/H3 \(task.download=false\)"):
        create_task("gue/H3", {"root": str(tmp_path), "download": False}).load()


def test_gue_zip_is_fetched_and_unpacked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = write_gue_folder(tmp_path / "src", SMALL)

    def fake_fetch(url: str, dest: Path, sha256: object = None, **kw: object) -> Path:
        assert url == gue_archive.GUE_ZIP_URL
        Path(dest).parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(dest, "w") as zf:
            for f in src.iterdir():
                zf.write(f, f"GUE/EMP/H3K9ac/{f.name}")
            zf.writestr("__MACOSX/GUE/EMP/H3K9ac/._train.csv", "junk")
            zf.writestr("GUE/../evil.csv", "sequence,label\n")
        return Path(dest)

    monkeypatch.setattr(download, "fetch", fake_fetch)
    data = create_task("gue/H3K9ac", {"root": str(tmp_path / "d")}).load()
    assert (len(data.train), len(data.val), len(data.test)) == (120, 40, 40)
    assert sorted(p.name for p in (tmp_path / "d" / "gue").iterdir()) == ["EMP"]  # zip removed


def test_gue_download_that_is_not_a_zip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def html_page(url: str, dest: Path, sha256: object = None, **kw: object) -> Path:
        Path(dest).parent.mkdir(parents=True, exist_ok=True)
        Path(dest).write_text("<html>quota exceeded</html>")
        return Path(dest)

    monkeypatch.setattr(download, "fetch", html_page)
    with pytest.raises(DataError, match="is not a zip archive"):
        create_task("gue/covid", {"root": str(tmp_path)}).load()
    assert not (tmp_path / "gue" / "GUE.zip").exists()


def test_gue_reads_the_data_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_gue_folder(tmp_path / "gue" / "tf" / "2", SMALL)
    monkeypatch.setenv("SFMBENCH_DATA", str(tmp_path))
    with pytest.raises(DataError, match="longer than the task's length") as err:
        create_task("gue/tf_2", {"length": 20}).load()
    assert "task.length=30" in str(err.value)
    data = create_task("gue/tf_2").load()       # declared 101 bp: padded
    assert data.train.x.shape == (120, 5, 101) and data.info["val_source"].endswith("dev.csv")


def test_user_csv_task_with_dev(tmp_path: Path) -> None:
    write_gue_folder(tmp_path / "mine", SMALL)
    task = create_task("genomics/csv", {"path": str(tmp_path / "mine")})
    data = task.load()
    assert (len(data.train), len(data.val), len(data.test)) == (120, 40, 40)
    assert task.spec.input_shape == (5, SMALL.length)               # max over train
    assert task.spec.num_classes == 2


def test_user_csv_task_carves_a_seeded_stratified_validation(tmp_path: Path) -> None:
    write_gue_folder(tmp_path / "mine", SMALL, dev=False)
    a = create_task("genomics/csv", {"path": str(tmp_path / "mine")}).load()
    b = create_task("genomics/csv", {"path": str(tmp_path / "mine")}).load()
    assert (len(a.train), len(a.val)) == (108, 12)
    assert a.info["val_size"] == 12 and a.info["val_indices_sha256"] == b.info["val_indices_sha256"]
    np.testing.assert_array_equal(a.val.x, b.val.x)
    np.testing.assert_array_equal(np.bincount(a.val.y), [6, 6])          # stratified
    assert "seed 42" in a.info["val_source"]


def test_csv_task_needs_a_path() -> None:
    with pytest.raises(ConfigError, match="task.path"):
        create_task("genomics/csv").load()


def test_csv_task_missing_folder_and_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        create_task("genomics/csv", {"path": str(tmp_path / "nope")}).load()
    (tmp_path / "half").mkdir()
    write_csv(tmp_path / "half" / "train.csv", [("ACGT", 0), ("ACGA", 1)])
    with pytest.raises(DataError) as err:
        create_task("genomics/csv", {"path": str(tmp_path / "half")}).load()
    assert str(err.value).splitlines()[0] == f"data not found: {tmp_path / 'half' / 'test.csv'}"


def _folder(tmp_path: Path, train: list, dev: list | None = None, test: list | None = None,
            header: str = "sequence,label") -> str:
    ok = [("ACGTAC", 0), ("TTGACA", 1)] * 4
    write_csv(tmp_path / "train.csv", train, header)
    write_csv(tmp_path / "test.csv", test if test is not None else ok)
    if dev is not None:
        write_csv(tmp_path / "dev.csv", dev)
    return str(tmp_path)


GOOD = [("ACGTAC", 0), ("TTGACA", 1)] * 10
H = "sequence,label"


@pytest.mark.parametrize("train, dev, test, header, pattern", [
    ([("ACGXAC", 0)] + GOOD, None, None, H, r"train.csv: row 0 has the character 'X'"),
    (GOOD + [("", 1)], None, None, H, r"row 20 has an empty sequence"),
    (GOOD, None, None, "seq,label", r"missing column\(s\) sequence"),
    (GOOD, None, None, "sequence,target", r"missing column\(s\) label"),
    (GOOD + [("ACGTAC", "pos")], None, None, H, r"row 20 holds 'pos', not an integer"),
    (GOOD + [("ACGTAC", 1.5)], None, None, H, r"not an integer"),
    (GOOD + [("ACGTAC", "")], None, None, H, r"not an integer"),
    (GOOD, [("ACGTAC", 0)] * 3, None, H, r"class\(es\) 1 .* never occur in the validation"),
    (GOOD, None, [("ACGTACGTACGT", 0)], H, r"test.csv: row 0 is 12 bp, longer than"),
    (GOOD, None, [("ACGTAC", 2)], H, r"test.csv: class label 2 but the task has 2 classes"),
    (GOOD + [("ACGTAC", 2)], None, None, H, r"class 2 has a single training sample"),
])
def test_bad_csv_input(tmp_path: Path, train: list, dev: list | None, test: list | None,
                       header: str, pattern: str) -> None:
    path = _folder(tmp_path, train, dev, test, header)
    with pytest.raises(DataError, match=pattern) as err:
        create_task("genomics/csv", {"path": path}).load()
    assert err.value.hint  # every data error says how to fix it


def test_crop_and_length_params(tmp_path: Path) -> None:
    path = _folder(tmp_path, GOOD, None, [("ACGTACGTACGT", 0), ("ACGTAC", 1)])
    data = create_task("genomics/csv", {"path": path, "crop": True}).load()
    assert data.test.inputs.x.shape == (2, 5, 6)
    data = create_task("genomics/csv", {"path": path, "length": 12}).load()
    assert data.train.x.shape[2] == 12 and decode(data.test.inputs.x)[0] == "ACGTACGTACGT"


def test_unknown_task_param_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no parameter"):
        create_task("gue/tf_0", {"lenght": 3})

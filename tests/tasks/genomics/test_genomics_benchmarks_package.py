"""Genomic Benchmarks tasks: the package's on-disk format and its download path."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from .genomics_fixtures import SMALL, write_gb_folder

from sfmbench import create_task, task_names
from sfmbench.errors import DataError
from sfmbench.tasks.genomics import genomic_benchmarks as gb
from sfmbench.tasks.genomics.motifs import generate


def test_eight_tasks_registered() -> None:
    names = task_names("genomic-benchmarks/*")
    assert len(names) == 8 and "genomic-benchmarks/human_nontata_promoters" in names
    spec = create_task("genomic-benchmarks/human_nontata_promoters").spec
    assert spec.primary_metric == "accuracy" and {"f1", "mcc"} <= set(spec.metrics)
    assert spec.input_shape == (5, 251)


def test_reads_class_folders(tmp_path: Path) -> None:
    write_gb_folder(tmp_path / "genomic-benchmarks" / "human_nontata_promoters")
    data = create_task("genomic-benchmarks/human_nontata_promoters",
                       {"root": str(tmp_path)}).load()
    _, _, test = generate(SMALL)
    assert (len(data.train), len(data.val), len(data.test)) == (108, 12, 40)
    assert sorted(data.test.targets.tolist()) == sorted(test.labels.tolist())
    assert data.train.x.shape[1:] == (5, 251)


def test_variable_length_sets_are_cropped_to_their_cap(tmp_path: Path) -> None:
    folder = write_gb_folder(tmp_path / "genomic-benchmarks" / "human_ocr_ensembl")
    (folder / "test" / "positive" / "long.txt").write_text("ACGT" * 200)
    task = create_task("genomic-benchmarks/human_ocr_ensembl", {"root": str(tmp_path)})
    assert task.spec.input_shape == (5, 593)                      # cheap: no data read
    x = task.load().test.inputs.x
    assert x.shape == (41, 5, 593) and (x.sum(axis=(1, 2)) == 593).sum() == 1
    with pytest.raises(DataError, match="800 bp, longer than the task's length 593"):
        create_task("genomic-benchmarks/human_ocr_ensembl",
                    {"root": str(tmp_path), "crop": False}).load()


def test_labels_follow_sorted_class_names(tmp_path: Path) -> None:
    # label 0 of the generator is written to folder "zeta", label 1 to "alpha"
    write_gb_folder(tmp_path / "gbd", classes=("zeta", "alpha"))
    table, classes = gb.read_class_folders(tmp_path / "gbd" / "train")
    assert classes == ["alpha", "zeta"]
    train, _, _ = generate(SMALL)
    by_seq = dict(zip(table.sequences, table.labels.tolist()))
    assert all(by_seq[s] == 1 - y for s, y in zip(train.sequences, train.labels.tolist()))


def test_missing_data_goes_through_the_package_downloader(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def fake_download(name: str, dest_path: Path, cache_path: Path) -> Path:
        calls.append((name, Path(dest_path)))
        return write_gb_folder(Path(dest_path) / name)

    import genomic_benchmarks.loc2seq as loc2seq
    monkeypatch.setattr(loc2seq, "download_dataset", fake_download)
    data = create_task("genomic-benchmarks/demo_human_or_worm", {"root": str(tmp_path)}).load()
    assert calls == [("demo_human_or_worm", tmp_path / "genomic-benchmarks")]
    assert len(data.test) == 40 and np.isin(data.train.y, [0, 1]).all()


def test_download_failure_is_a_data_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(*args: object, **kwargs: object) -> None:
        raise ConnectionError("no network")

    import genomic_benchmarks.loc2seq as loc2seq
    monkeypatch.setattr(loc2seq, "download_dataset", offline)
    with pytest.raises(DataError, match="downloading Genomic Benchmarks dataset") as err:
        create_task("genomic-benchmarks/human_enhancers_cohn", {"root": str(tmp_path)}).load()
    assert str(tmp_path / "genomic-benchmarks" / "human_enhancers_cohn") in str(err.value.hint)

"""Nucleotide Transformer tasks: FASTA and Parquet files in the HF repos' layout."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from .genomics_fixtures import SMALL, write_nt_fasta, write_nt_parquet

from sfmbench import create_task, task_names
from sfmbench.errors import DataError
from sfmbench.tasks.genomics import nt
from sfmbench.tasks.genomics.motifs import generate


def test_both_releases_have_18_tasks() -> None:
    assert len(task_names("nt/*")) == 18 and len(task_names("nt-revised/*")) == 18
    assert "nt-revised/H3K27ac" in task_names("nt-revised/*")
    spec = create_task("nt/splice_sites_all").spec
    assert spec.num_classes == 3 and spec.input_shape == (5, 400)
    assert spec.primary_metric == "mcc"
    assert "nucleotide_transformer_downstream_tasks_revised" in \
        create_task("nt-revised/enhancers").spec.source


def test_fasta_layout(tmp_path: Path) -> None:
    write_nt_fasta(tmp_path / "nt" / "promoter_all")
    task = create_task("nt/promoter_all", {"root": str(tmp_path)})
    data = task.load()
    train, _, test = generate(SMALL)
    assert len(data.train) + len(data.val) == len(train) == 120 and len(data.val) == 12
    assert len(data.test) == len(test)
    np.testing.assert_array_equal(data.test.targets, test.labels)
    assert data.train.x.shape[1:] == (5, 300)                  # declared NT promoter length
    assert data.info["val_size"] == 12 and "seed 42" in data.info["val_source"]


def test_parquet_layout_through_datasets(tmp_path: Path) -> None:
    write_nt_parquet(tmp_path / "nt-revised" / "H3K27ac", "H3K27ac")
    fasta_dir = write_nt_fasta(tmp_path / "nt" / "H3")
    data = create_task("nt-revised/H3K27ac", {"root": str(tmp_path)}).load()
    ref = create_task("nt/H3", {"root": str(tmp_path), "length": 1000}).load()
    assert fasta_dir.is_dir() and data.train.x.shape == ref.train.x.shape == (108, 5, 1000)
    # same records, same seeded hold-out, whichever file format carried them
    assert data.info["val_indices_sha256"] == ref.info["val_indices_sha256"]
    np.testing.assert_array_equal(data.val.x, ref.val.x)
    np.testing.assert_array_equal(data.test.targets, ref.test.targets)


def test_fasta_header_without_label(tmp_path: Path) -> None:
    (tmp_path / "x.fna").write_text(">seq1\nACGT\n")
    with pytest.raises(DataError, match="no integer label"):
        nt.read_fasta(tmp_path / "x.fna")
    (tmp_path / "y.fna").write_text("ACGT\n>seq1|0\nACGT\n")
    with pytest.raises(DataError, match="before the first"):
        nt.read_fasta(tmp_path / "y.fna")


def test_fasta_multiline_records(tmp_path: Path) -> None:
    (tmp_path / "z.fna").write_text(">a|1\nACG\nTTA\n>b|0\nGG\n")
    table = nt.read_fasta(tmp_path / "z.fna")
    assert table.sequences == ["ACGTTA", "GG"] and table.labels.tolist() == [1, 0]


def test_offline_without_local_copy_names_the_folder(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(files: dict, cache_dir: object) -> None:
        assert files["train"] == ("hf://datasets/InstaDeepAI/nucleotide_transformer_downstream_"
                                  "tasks/enhancers/train.parquet")
        raise ConnectionError("offline")

    monkeypatch.setattr(nt, "read_parquet_files", no_network)
    with pytest.raises(DataError) as err:
        create_task("nt/enhancers", {"root": str(tmp_path)}).load()
    assert str(tmp_path / "nt" / "enhancers") in str(err.value)
    assert "train.parquet" in str(err.value.hint)

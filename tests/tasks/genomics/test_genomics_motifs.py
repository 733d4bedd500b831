"""Generated DNA motif tasks: determinism, difficulty knobs, same path as the CSV tasks."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sfmbench import create_task, task_names
from sfmbench.errors import ConfigError
from sfmbench.tasks.genomics.motifs import MotifConfig, generate, write_csv_folder


def test_presets_registered() -> None:
    names = task_names("generated/dna-motif-*")
    assert {"generated/dna-motif-easy", "generated/dna-motif-hard",
            "generated/dna-motif-tiny"} <= set(names)
    spec = create_task("generated/dna-motif-hard").spec
    assert spec.domain == "generated" and spec.num_classes == 4 and spec.input_shape == (5, 200)


def test_default_sizes_and_balance() -> None:
    data = create_task("generated/dna-motif-easy").load()
    assert (len(data.train), len(data.val), len(data.test)) == (2000, 400, 400)
    assert data.train.x.shape == (2000, 5, 100)
    np.testing.assert_array_equal(np.bincount(data.train.y), [1000, 1000])


def test_deterministic_in_data_seed() -> None:
    a, b = (create_task("generated/dna-motif-tiny").load() for _ in range(2))
    c = create_task("generated/dna-motif-tiny", {"data_seed": 5}).load()
    np.testing.assert_array_equal(a.train.x, b.train.x)
    np.testing.assert_array_equal(a.test.targets, b.test.targets)
    assert not np.array_equal(a.train.x, c.train.x)


def test_motif_is_planted_exactly_without_mutation() -> None:
    cfg = MotifConfig(n_train=50, n_val=10, n_test=10, length=40, motif_length=12, data_seed=2)
    rng = np.random.default_rng(cfg.data_seed)
    motifs = rng.integers(0, 4, (2, 1, 12))                # the generator draws these first
    words = ["".join("ACGT"[i] for i in m[0]) for m in motifs]
    train, _, _ = generate(cfg)
    assert all(words[y] in s for s, y in zip(train.sequences, train.labels))


def test_mutation_and_n_rate_change_the_data() -> None:
    cfg = MotifConfig(n_train=200, n_val=20, n_test=20, length=60, data_seed=4)
    hard = MotifConfig(**{**cfg.__dict__, "mutation_rate": 0.5, "n_rate": 0.05})
    seqs = generate(hard)[0].sequences
    n_frac = sum(s.count("N") for s in seqs) / (200 * 60)
    assert 0.03 < n_frac < 0.07
    assert generate(cfg)[0].sequences != seqs


def test_csv_export_round_trips_through_the_csv_task(tmp_path: Path) -> None:
    direct = create_task("generated/dna-motif-tiny").load()
    cfg = create_task("generated/dna-motif-tiny").motif_config
    folder = write_csv_folder(cfg, tmp_path / "tiny")
    via_csv = create_task("genomics/csv", {"path": str(folder), "length": cfg.length}).load()
    np.testing.assert_array_equal(direct.train.x, via_csv.train.x)
    np.testing.assert_array_equal(direct.val.y, via_csv.val.y)
    np.testing.assert_array_equal(direct.test.inputs.x, via_csv.test.inputs.x)


@pytest.mark.parametrize("override", [{"motif_length": 200, "length": 100},
                                      {"num_classes": 1}, {"mutation_rate": 1.5}])
def test_bad_knobs(override: dict) -> None:
    with pytest.raises(ConfigError):
        create_task("generated/dna-motif-easy", override).load()

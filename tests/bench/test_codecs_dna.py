"""One-hot DNA encoding: channel order, IUPAC, padding, errors, round trip, reverse complement."""
from __future__ import annotations

import time

import numpy as np
import pytest

from sfmbench.errors import DataError
from sfmbench.codecs.dna import (ALPHABET, decode, encode, lengths_of,
                                              reverse_complement)


def test_channel_order_and_padding() -> None:
    x = encode(["ACGTN", "ga"], 7)
    assert x.shape == (2, 5, 7) and x.dtype == np.uint8
    assert ALPHABET == "ACGTN"
    np.testing.assert_array_equal(x[0, :, :5], np.eye(5, dtype=np.uint8))
    assert x[0, :, 5:].sum() == 0                                  # padding is all zero
    assert x[1, 2, 0] == 1 and x[1, 0, 1] == 1 and x[1].sum() == 2  # lower case accepted
    np.testing.assert_array_equal(lengths_of(x), [5, 2])


@pytest.mark.parametrize("code", list("RYSWKMBDHVrysw"))
def test_iupac_codes_map_to_n(code: str) -> None:
    x = encode([f"A{code}"], 2)
    assert x[0, 4, 1] == 1 and x[0, :, 1].sum() == 1


@pytest.mark.parametrize("bad", ["ACXT", "AC-T", "AC T", "ACÜT", "AC1T"])
def test_unknown_character_names_row_and_character(bad: str) -> None:
    with pytest.raises(DataError) as err:
        encode(["ACGT", bad], 10, source="train.csv")
    msg = str(err.value)
    assert "train.csv" in msg and "row 1" in msg and repr(bad[2]) in msg and "position 2" in msg


def test_too_long_is_an_error_unless_cropped() -> None:
    with pytest.raises(DataError, match=r"row 1 is 6 bp, longer than the task's length 4") as e:
        encode(["ACG", "ACGTAC"], 4)
    assert "task.length=6" in str(e.value) and "task.crop=true" in str(e.value)
    assert decode(encode(["ACG", "ACGTAC"], 4, crop=True)) == ["ACG", "ACGT"]


def test_empty_sequence_is_an_error() -> None:
    with pytest.raises(DataError, match="row 2 has an empty sequence"):
        encode(["AC", "GT", ""], 4)


def test_round_trip() -> None:
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGTN"), size=int(n))) for n in rng.integers(1, 60, 200)]
    assert decode(encode(seqs, 60)) == seqs
    assert decode(encode(["acgtR"], 5)) == ["ACGTN"]


def test_reverse_complement_keeps_padding_at_the_end() -> None:
    x = encode(["AACGN", "TTG"], 6)
    assert decode(reverse_complement(x)) == ["NCGTT", "CAA"]
    np.testing.assert_array_equal(reverse_complement(reverse_complement(x)), x)


def test_fifty_thousand_sequences_encode_fast() -> None:
    rng = np.random.default_rng(1)
    codes = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, (50_000, 300))]
    seqs = codes.view("S300").ravel().astype(str).tolist()
    start = time.perf_counter()
    x = encode(seqs, 300)
    assert time.perf_counter() - start < 5.0
    assert x.shape == (50_000, 5, 300) and (x.sum(axis=1) == 1).all()

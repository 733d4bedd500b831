"""The one DNA encoding every supervised method of sfmbench sees.

A sequence becomes a one-hot array of shape ``(5, L)`` with channels in the order
**A, C, G, T, N** (:data:`ALPHABET`). Lower case is accepted. The other IUPAC ambiguity codes
(R, Y, S, W, K, M, B, D, H, V) map to the N channel. Positions past the end of a sequence are
padding: all five channels are zero there, so the true length of a sample is recoverable.
Any other character is a :class:`~sfmbench.errors.DataError` naming the row and the character.

Arrays are ``uint8`` to save memory (a 1 kb task with 30k samples is 150 MB instead of 600 MB);
methods cast them (``torch.from_numpy(x).float()``). Encoding is vectorized through a 256-entry
lookup table on the bytes of the sequences, so 50k sequences take well under a second.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import DataError

#: channel order of the one-hot encoding
ALPHABET = "ACGTN"
#: IUPAC ambiguity codes that map to the N channel (besides N itself)
AMBIGUOUS = "RYSWKMBDHV"
#: channel permutation that complements a base (A<->T, C<->G, N->N)
COMPLEMENT = np.array([3, 2, 1, 0, 4])

_INVALID = 255
_PAD = 254
_LUT = np.full(256, _INVALID, dtype=np.uint8)
for _i, _c in enumerate(ALPHABET):
    _LUT[ord(_c)] = _LUT[ord(_c.lower())] = _i
for _c in AMBIGUOUS:
    _LUT[ord(_c)] = _LUT[ord(_c.lower())] = ALPHABET.index("N")
_LUT[0] = _PAD  # the NUL bytes numpy pads fixed-width byte strings with


def sequence_lengths(seqs: Sequence[str]) -> np.ndarray:
    """Length of each sequence (int64)."""
    return np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))


def encode(seqs: Sequence[str], length: int, *, crop: bool = False, source: str = "input",
           first_row: int = 0) -> np.ndarray:
    """One-hot encode ``seqs`` into a ``uint8`` array of shape ``(N, 5, length)``.

    Shorter sequences are zero-padded at the end. A longer one is an error unless ``crop`` is
    true (then it keeps its first ``length`` bases). ``source`` and ``first_row`` only serve to
    name the offending row in error messages.
    """
    n = len(seqs)
    out = np.zeros((n, len(ALPHABET), length), dtype=np.uint8)
    if n == 0:
        return out
    lens = sequence_lengths(seqs)
    empty = np.flatnonzero(lens == 0)
    if len(empty):
        raise DataError(f"{source}: row {first_row + int(empty[0])} has an empty sequence "
                        f"({len(empty)} empty in all)",
                        "remove empty rows or give every row at least one base")
    too_long = np.flatnonzero(lens > length)
    if len(too_long) and not crop:
        i = int(too_long[0])
        raise DataError(f"{source}: row {first_row + i} is {int(lens[i])} bp, longer than the "
                        f"task's length {length} ({len(too_long)} such rows)",
                        f"set task.length={int(lens.max())} to pad to the longest sequence, or "
                        "task.crop=true to keep the first `length` bases")
    try:
        raw = np.array(seqs, dtype=f"S{int(lens.max())}")
    except UnicodeEncodeError:
        raw = None
    if raw is None:
        _raise_invalid_unicode(seqs, source, first_row)
    codes = _LUT[raw.view(np.uint8).reshape(n, -1)[:, :length]]
    bad = codes == _INVALID
    if bad.any():
        row, col = (int(v[0]) for v in np.nonzero(bad))
        raise DataError(f"{source}: row {first_row + row} has the character {seqs[row][col]!r} "
                        f"at position {col}, which is not a DNA base",
                        f"allowed: {ALPHABET} and the IUPAC codes {AMBIGUOUS} (either case); "
                        "clean the sequence or drop the row")
    width = codes.shape[1]
    np.equal(codes[:, None, :], np.arange(len(ALPHABET), dtype=np.uint8)[None, :, None],
             out=out[:, :, :width].view(bool))  # padding codes match no channel
    return out


def _raise_invalid_unicode(seqs: Sequence[str], source: str, first_row: int) -> None:
    for row, s in enumerate(seqs):
        for col, ch in enumerate(s):
            if ord(ch) > 127:
                raise DataError(f"{source}: row {first_row + row} has the character {ch!r} at "
                                f"position {col}, which is not a DNA base",
                                f"allowed: {ALPHABET} and the IUPAC codes {AMBIGUOUS}")


def lengths_of(x: np.ndarray) -> np.ndarray:
    """True lengths of one-hot samples ``(N, 5, L)``: the count of non-padding positions."""
    return (x.any(axis=1)).sum(axis=1)


def decode(x: np.ndarray) -> list[str]:
    """Inverse of :func:`encode` (ambiguity codes come back as ``N``; padding is dropped)."""
    letters = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)
    present = x.any(axis=1)                           # (N, L)
    chars = np.where(present, letters[x.argmax(axis=1)], 0).astype(np.uint8)
    return [row.tobytes().rstrip(b"\0").decode() for row in chars]


def reverse_complement(x: np.ndarray) -> np.ndarray:
    """Reverse complement of one-hot samples ``(N, 5, L)``; padding stays at the end.

    Useful as train-time augmentation: a binding site or promoter reads the same on the
    opposite strand.
    """
    n, _, length = x.shape
    lens = lengths_of(x)[:, None]                     # (N, 1)
    pos = np.arange(length)[None, :]                  # (1, L)
    src = np.where(pos < lens, lens - 1 - pos, pos)   # reverse inside each sequence only
    flipped = np.take_along_axis(x, np.broadcast_to(src[:, None, :], x.shape), axis=2)
    return flipped[:, COMPLEMENT, :]

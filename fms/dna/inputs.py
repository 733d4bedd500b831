"""From the shared one-hot DNA encoding to a model's tokens.

Genomics tasks hand methods one-hot arrays ``(N, 5, L)`` (channels A, C, G, T, N; see
:mod:`sfmbench.codecs.dna`). DNA language models read strings through their own
tokenizer, so samples are decoded back to strings and tokenized once per split into a
:class:`TokenizedSplit`, a torch ``Dataset`` the shared training loop batches as dicts.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from sfmbench.errors import DataError
from sfmbench.codecs.dna import ALPHABET, decode

log = logging.getLogger(__name__)


def to_sequences(x: np.ndarray) -> list[str]:
    """DNA strings of one-hot samples ``(N, 5, L)`` (padding dropped)."""
    x = np.asarray(x)
    if x.ndim != 3 or x.shape[1] != len(ALPHABET):
        raise DataError(f"DNA foundation models expect one-hot inputs of shape (N, "
                        f"{len(ALPHABET)}, L) in the channel order {ALPHABET}, got {x.shape}",
                        "use a genomics task (its loader encodes sequences with "
                        "sfmbench.codecs.dna.encode)")
    return decode(x)


class TokenizedSplit(Dataset):
    """Token ids and attention masks of a split, plus labels when known (test: none)."""

    def __init__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                 labels: np.ndarray | None = None) -> None:
        self.input_ids, self.attention_mask = input_ids, attention_mask
        self.labels = None if labels is None else np.asarray(labels)
        if self.labels is not None and len(self.labels) != len(input_ids):
            raise DataError(f"{len(input_ids)} sequences but {len(self.labels)} labels",
                            "every sample needs exactly one label")

    def __len__(self) -> int:
        return len(self.input_ids)

    def __getitem__(self, i: int) -> tuple[dict[str, torch.Tensor], Any]:
        x = {"input_ids": self.input_ids[i], "attention_mask": self.attention_mask[i]}
        return x, (self.labels[i] if self.labels is not None else 0)

    @property
    def n_tokens(self) -> int:
        return int(self.input_ids.shape[1])


def prepare_tokenizer(tokenizer: Any) -> Any:
    """Give a tokenizer without a pad token one (its EOS or UNK token), so batches can pad."""
    if tokenizer.pad_token is None:
        fallback = tokenizer.eos_token or tokenizer.unk_token
        if fallback is None:
            raise DataError(f"tokenizer {type(tokenizer).__name__} has no pad, eos or unk token",
                            "use a checkpoint whose tokenizer defines a pad token")
        tokenizer.pad_token = fallback
    return tokenizer


def tokenize(tokenizer: Any, seqs: Sequence[str], max_length: int | None,
             labels: np.ndarray | None = None) -> TokenizedSplit:
    """Tokenize ``seqs`` (padded to the longest, truncated to ``max_length`` tokens)."""
    enc = tokenizer(list(seqs), padding="longest", truncation=max_length is not None,
                    max_length=max_length, return_tensors="pt")
    ids = enc["input_ids"].long()
    mask = enc.get("attention_mask")
    mask = (ids != tokenizer.pad_token_id).long() if mask is None else mask.long()
    if max_length is not None and ids.shape[1] >= max_length:
        full = tokenizer(list(seqs[:1]), truncation=False)["input_ids"][0]
        if len(full) > max_length:
            log.warning("sequences are truncated to %d tokens (the first one has %d); raise "
                        "model.max_length if the checkpoint allows longer inputs",
                        max_length, len(full))
    return TokenizedSplit(ids, mask, labels)

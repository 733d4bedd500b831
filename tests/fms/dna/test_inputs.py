"""One-hot -> strings -> tokens, and pooling of token states."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from sfmbench import DataError
from sfmbench.errors import ConfigError
from sfmbench.fms.dna.backbone import SequenceClassifier, last_hidden_state, pool
from sfmbench.fms.dna.inputs import prepare_tokenizer, to_sequences, tokenize
from sfmbench.codecs.dna import encode


def test_to_sequences_inverts_the_shared_encoding():
    seqs = ["ACGTN", "GGA", "acgtr"]
    assert to_sequences(encode(seqs, 6)) == ["ACGTN", "GGA", "ACGTN"]


@pytest.mark.parametrize("shape", [(3, 4, 10), (3, 10), (3, 3, 8, 8)])
def test_to_sequences_rejects_non_dna_arrays(shape):
    with pytest.raises(DataError, match="one-hot inputs of shape"):
        to_sequences(np.zeros(shape, dtype=np.uint8))


def test_nt_tokenizer_reads_non_overlapping_6mers(dna_checkpoints):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(dna_checkpoints["nucleotide-transformer"]))
    assert tok.tokenize("ACGTACGTAN") == ["ACGTAC", "G", "T", "A", "N"]
    split = tokenize(tok, ["ACGTACGTAN", "ACGTAC"], max_length=None, labels=np.array([1, 0]))
    assert split.input_ids.shape == (2, 7)                    # <cls> 5 tokens <eos>
    assert split.attention_mask.tolist() == [[1] * 7, [1, 1, 1, 0, 0, 0, 0]]
    x, y = split[1]
    assert y == 0 and x["input_ids"][0].item() == tok.cls_token_id
    short = tokenize(tok, ["ACGTAC" * 20], max_length=8)
    assert short.n_tokens == 8


def test_prepare_tokenizer_gives_a_pad_token():
    class Tok:
        pad_token, eos_token, unk_token = None, "</s>", "<unk>"

    assert prepare_tokenizer(Tok()).pad_token == "</s>"
    bare = Tok()
    bare.eos_token = bare.unk_token = None
    with pytest.raises(DataError, match="no pad, eos or unk"):
        prepare_tokenizer(bare)


def test_pooling_ignores_padding_on_either_side():
    states = torch.arange(12, dtype=torch.float32).reshape(2, 3, 2)
    right = torch.tensor([[1, 1, 0], [1, 1, 1]])
    left = torch.tensor([[0, 1, 1], [1, 1, 1]])
    assert pool(states, right, "mean")[0].tolist() == [1.0, 2.0]
    assert pool(states, right, "cls")[0].tolist() == [0.0, 1.0]
    assert pool(states, right, "last")[0].tolist() == [2.0, 3.0]
    assert pool(states, left, "cls")[0].tolist() == [2.0, 3.0]
    assert pool(states, left, "last")[1].tolist() == [10.0, 11.0]
    with pytest.raises(ConfigError, match="unknown pooling"):
        pool(states, right, "max")


def test_last_hidden_state_accepts_outputs_and_tuples():
    h = torch.zeros(2, 3, 4)
    assert last_hidden_state((h, h[:, 0])) is h
    with pytest.raises(Exception, match="token states"):
        last_hidden_state(h[:, 0])


def test_classifier_passes_the_mask_only_to_backbones_that_take_it():
    class NoMask(torch.nn.Module):
        def forward(self, input_ids):
            return (torch.nn.functional.one_hot(input_ids, 4).float(),)

    model = SequenceClassifier(NoMask(), torch.nn.Identity(), "mean")
    assert not model.pass_mask
    out = model(torch.tensor([[1, 2, 0]]), torch.tensor([[1, 1, 0]]))
    assert out.tolist() == [[0.0, 0.5, 0.5, 0.0]]

"""Fixture generator: tiny, randomly initialised DNA language-model checkpoints in real formats.

- :func:`write_nucleotide_transformer`: transformers' own ``EsmForMaskedLM`` (the Nucleotide
  Transformer architecture) with NT's tokenizer layout (``EsmTokenizer`` over special tokens,
  every k-mer, then single bases), saved with ``save_pretrained``; loads without remote code,
  like the v1 checkpoints.
- :func:`write_remote_code_model`: a checkpoint that ships its own code (``configuration_*.py``,
  ``modeling_*.py`` and an ``auto_map`` in ``config.json``), shaped like one of the remote-code
  families: ``dnabert2`` (``AutoModel`` taking ``attention_mask``, tuple outputs, fast BPE
  tokenizer), ``hyenadna`` (``AutoModel`` without ``attention_mask``, character tokenizer that
  is itself remote code), ``caduceus`` (only ``AutoModelForMaskedLM`` mapped, character
  tokenizer).

Each writer returns the folder, which adapters load exactly like a downloaded hub snapshot
(``model_id=<folder>``). Reusable elsewhere (``from tests.fms.dna.tiny_dna_models import
write_nucleotide_transformer``), or ``python tests/fms/dna/tiny_dna_models.py OUT_DIR``.
"""
from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

NT_SPECIALS = ["<unk>", "<pad>", "<mask>", "<cls>", "<eos>", "<bos>"]
#: families write_remote_code_model can imitate
REMOTE_FAMILIES = ("dnabert2", "hyenadna", "caduceus")


def nt_vocabulary(k: int = 6) -> list[str]:
    """NT's token list: special tokens, every k-mer over ACGT, then single bases and N."""
    kmers = ["".join(p) for p in itertools.product("ATCG", repeat=k)]
    return [*NT_SPECIALS, *kmers, "A", "T", "C", "G", "N"]


def write_nucleotide_transformer(folder: Path | str, k: int = 6, seed: int = 0,
                                 max_tokens: int = 64, rotary: bool = False) -> Path:
    """A tiny Nucleotide Transformer: ``EsmForMaskedLM`` (hidden 32, 2 layers, 2 heads)."""
    import torch
    from transformers import EsmConfig, EsmForMaskedLM, EsmTokenizer

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    vocab = nt_vocabulary(k)
    vocab_file = folder / "vocab.txt"
    vocab_file.write_text("\n".join(vocab))
    tokenizer = EsmTokenizer(str(vocab_file), model_max_length=max_tokens)
    tokenizer.save_pretrained(str(folder))
    torch.manual_seed(seed)
    cfg = EsmConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2,
                    num_attention_heads=2, intermediate_size=64,
                    max_position_embeddings=max_tokens + 2, pad_token_id=1, mask_token_id=2,
                    position_embedding_type="rotary" if rotary else "absolute",
                    token_dropout=False, emb_layer_norm_before=False,
                    hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    EsmForMaskedLM(cfg).eval().save_pretrained(str(folder))
    return folder


# -- remote-code checkpoints ----------------------------------------------------------------
_CONFIGURATION = '''"""Configuration of a tiny DNA model shipped with its checkpoint (fixture)."""
from transformers import PretrainedConfig


class TinyDnaConfig(PretrainedConfig):
    model_type = "tiny-dna"

    def __init__(self, vocab_size=16, d_model=32, n_layer=2, pad_token_id=0, **kwargs):
        self.vocab_size = vocab_size
        self.d_model = d_model
        self.n_layer = n_layer
        super().__init__(pad_token_id=pad_token_id, **kwargs)
'''

_MODELING = '''"""A tiny DNA model shipped with its checkpoint (fixture): embedding, gated mixer
blocks with a short convolution, final norm. The linear layers carry the names the real
families' LoRA targets use (Wqkv, in_proj, out_proj)."""
import torch
from torch import nn
from transformers import PreTrainedModel
from transformers.modeling_outputs import BaseModelOutputWithNoAttention, MaskedLMOutput

from .configuration_tinydna import TinyDnaConfig


class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.norm = nn.LayerNorm(d)
        self.Wqkv = nn.Linear(d, 2 * d)
        self.in_proj = nn.Linear(d, d)
        self.conv = nn.Conv1d(d, d, 3, padding=1, groups=d)
        self.out_proj = nn.Linear(d, d)

    def forward(self, h):
        gate, value = self.Wqkv(self.norm(h)).chunk(2, dim=-1)
        mixed = self.conv(self.in_proj(value).transpose(1, 2)).transpose(1, 2)
        return h + self.out_proj(torch.sigmoid(gate) * mixed)


class TinyDnaPreTrainedModel(PreTrainedModel):
    config_class = TinyDnaConfig
    base_model_prefix = "backbone"

    def _init_weights(self, module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.1)


class Encoder(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.embeddings = nn.Embedding(config.vocab_size, config.d_model,
                                       padding_idx=config.pad_token_id)
        self.layers = nn.ModuleList(Block(config.d_model) for _ in range(config.n_layer))
        self.norm_f = nn.LayerNorm(config.d_model)

    def forward(self, input_ids):
        h = self.embeddings(input_ids)
        for layer in self.layers:
            h = layer(h)
        return self.norm_f(h)


class TinyDnaModel(TinyDnaPreTrainedModel):
    """DNABERT-2 style: takes attention_mask, returns (hidden_states, pooled)."""

    def __init__(self, config):
        super().__init__(config)
        self.encoder = Encoder(config)
        self.post_init()

    def forward(self, input_ids, attention_mask=None, **kwargs):
        h = self.encoder(input_ids)
        if attention_mask is not None:
            h = h * attention_mask[..., None].to(h.dtype)
        return h, h[:, 0]


class TinyDnaMaskFreeModel(TinyDnaPreTrainedModel):
    """HyenaDNA style: no attention_mask argument, returns an output object."""

    def __init__(self, config):
        super().__init__(config)
        self.encoder = Encoder(config)
        self.post_init()

    def forward(self, input_ids, inputs_embeds=None, output_hidden_states=None,
                return_dict=None):
        return BaseModelOutputWithNoAttention(last_hidden_state=self.encoder(input_ids))


class TinyDnaForMaskedLM(TinyDnaPreTrainedModel):
    """Caduceus style: only the masked-LM class is mapped; the encoder is `backbone`."""

    def __init__(self, config):
        super().__init__(config)
        self.backbone = TinyDnaMaskFreeModel(config)
        self.lm_head = nn.Linear(config.d_model, config.vocab_size, bias=False)
        self.post_init()

    def forward(self, input_ids, labels=None, **kwargs):
        hidden = self.backbone(input_ids).last_hidden_state
        return MaskedLMOutput(logits=self.lm_head(hidden))
'''

_TOKENIZATION = '''"""A character-level DNA tokenizer shipped with its checkpoint (fixture), like
HyenaDNA's and Caduceus's."""
import json
import os

from transformers import PreTrainedTokenizer

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


class TinyDnaTokenizer(PreTrainedTokenizer):
    model_input_names = ["input_ids", "attention_mask"]

    def __init__(self, characters=("A", "C", "G", "T", "N"), model_max_length=512, **kwargs):
        self.characters = list(characters)
        self._vocab = {t: i for i, t in enumerate(SPECIALS + self.characters)}
        self._ids = {i: t for t, i in self._vocab.items()}
        kwargs.setdefault("padding_side", "left")
        for name, token in zip(("pad", "unk", "cls", "sep", "mask"), SPECIALS):
            kwargs.setdefault(f"{name}_token", token)
        super().__init__(model_max_length=model_max_length, **kwargs)

    @property
    def vocab_size(self):
        return len(self._vocab)

    def get_vocab(self):
        return dict(self._vocab)

    def _tokenize(self, text, **kwargs):
        return list(text.upper())

    def _convert_token_to_id(self, token):
        return self._vocab.get(token, self._vocab["[UNK]"])

    def _convert_id_to_token(self, index):
        return self._ids.get(index, "[UNK]")

    def build_inputs_with_special_tokens(self, token_ids_0, token_ids_1=None):
        out = token_ids_0 + [self.sep_token_id]
        return out if token_ids_1 is None else out + token_ids_1 + [self.sep_token_id]

    def get_special_tokens_mask(self, token_ids_0, token_ids_1=None,
                                already_has_special_tokens=False):
        n = len(token_ids_0) + (len(token_ids_1) + 1 if token_ids_1 else 0)
        return [0] * n + [1]

    def save_vocabulary(self, save_directory, filename_prefix=None):
        path = os.path.join(save_directory, (filename_prefix or "") + "tinydna_vocab.json")
        with open(path, "w") as f:
            json.dump(self._vocab, f)
        return (path,)
'''

#: family -> (auto class -> class in modeling_tinydna), tokenizer kind
_FLAVOURS: dict[str, tuple[dict[str, str], str]] = {
    "dnabert2": ({"AutoModel": "TinyDnaModel"}, "bpe"),
    "hyenadna": ({"AutoModel": "TinyDnaMaskFreeModel"}, "remote-chars"),
    "caduceus": ({"AutoModelForMaskedLM": "TinyDnaForMaskedLM"}, "remote-chars"),
}


def write_remote_code_model(folder: Path | str, family: str = "hyenadna", seed: int = 0,
                            max_tokens: int = 256) -> Path:
    """A tiny checkpoint whose classes live in its own ``modeling_tinydna.py`` (see module doc)."""
    import torch
    from transformers.dynamic_module_utils import get_class_from_dynamic_module

    if family not in _FLAVOURS:
        raise ValueError(f"family must be one of {REMOTE_FAMILIES}, got {family!r}")
    classes, tokenizer_kind = _FLAVOURS[family]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "configuration_tinydna.py").write_text(_CONFIGURATION)
    (folder / "modeling_tinydna.py").write_text(_MODELING)
    pad_id, vocab_size = (_write_bpe_tokenizer(folder, max_tokens) if tokenizer_kind == "bpe"
                          else _write_char_tokenizer(folder, max_tokens))
    config_cls = get_class_from_dynamic_module("configuration_tinydna.TinyDnaConfig", str(folder))
    auto_class, model_name = next(iter(classes.items()))
    model_cls = get_class_from_dynamic_module(f"modeling_tinydna.{model_name}", str(folder))
    config = config_cls(vocab_size=vocab_size, pad_token_id=pad_id)
    config.auto_map = {"AutoConfig": "configuration_tinydna.TinyDnaConfig",
                       **{k: f"modeling_tinydna.{v}" for k, v in classes.items()}}
    config.architectures = [model_name]
    torch.manual_seed(seed)
    model_cls(config).eval().save_pretrained(str(folder))
    saved = json.loads((folder / "config.json").read_text())
    assert saved.get("auto_map", {}).get(auto_class), "auto_map was not saved"
    return folder


def _write_char_tokenizer(folder: Path, max_tokens: int) -> tuple[int, int]:
    """Write the remote-code character tokenizer; returns (pad id, vocab size)."""
    (folder / "tokenization_tinydna.py").write_text(_TOKENIZATION)
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "TinyDnaTokenizer", "model_max_length": max_tokens,
        "padding_side": "left",
        "auto_map": {"AutoTokenizer": ["tokenization_tinydna.TinyDnaTokenizer", None]}}))
    (folder / "special_tokens_map.json").write_text(json.dumps({
        "pad_token": "[PAD]", "unk_token": "[UNK]", "cls_token": "[CLS]", "sep_token": "[SEP]",
        "mask_token": "[MASK]"}))
    return 0, 10


def _write_bpe_tokenizer(folder: Path, max_tokens: int) -> tuple[int, int]:
    """Train a 48-token BPE on random DNA (DNABERT-2's tokenizer kind); (pad id, vocab size)."""
    import numpy as np
    from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    rng = np.random.default_rng(0)
    corpus = ["".join(rng.choice(list("ACGT"), 200)) for _ in range(50)] + ["N" * 4]
    tok = Tokenizer(models.BPE(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=48, special_tokens=specials,
                                                        show_progress=False))
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="[PAD]", unk_token="[UNK]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
                                   model_max_length=max_tokens)
    fast.save_pretrained(str(folder))
    return tok.token_to_id("[PAD]"), tok.get_vocab_size()


if __name__ == "__main__":  # pragma: no cover - manual fixture generation
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tiny-dna-models")
    write_nucleotide_transformer(out / "nucleotide-transformer")
    for fam in REMOTE_FAMILIES:
        write_remote_code_model(out / fam, fam)
    print(out)

"""Loading a DNA language model's backbone and putting a pooled linear head on it.

Checkpoints expose their encoder under different auto classes (NT v2's remote code maps only
``AutoModelForMaskedLM``; DNABERT-2 and HyenaDNA map ``AutoModel``); :func:`load_backbone` tries
a family's classes in order and keeps the bare encoder (``base_model``). :class:`SequenceClassifier`
pools the encoder's last hidden states over tokens (mean, first token or last token, padding
excluded) and applies a linear head; the training loop calls it with tokenizer outputs.
"""
from __future__ import annotations

import inspect
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from sfmbench.errors import ConfigError, SfmbenchError

#: how token states become one vector per sequence
POOLINGS: tuple[str, ...] = ("mean", "cls", "last")


def tokenizer_needs_remote_code(folder: Path) -> bool:
    """True when the checkpoint's tokenizer maps to code shipped with the model."""
    path = Path(folder) / "tokenizer_config.json"
    if not path.is_file():
        return False
    try:
        return bool(json.loads(path.read_text()).get("auto_map"))
    except (OSError, ValueError):
        return False


def load_backbone(folder: Path, auto_classes: Sequence[str], **hf_kwargs: Any) -> nn.Module:
    """The encoder of the checkpoint in ``folder``, from the first auto class that maps it."""
    import transformers

    failures: list[str] = []
    for name in _mapped_first(folder, auto_classes):
        auto = getattr(transformers, name)
        try:
            model = auto.from_pretrained(str(folder), **hf_kwargs)
        except (ValueError, KeyError) as exc:   # the class does not map this config
            failures.append(f"{name}: {str(exc).splitlines()[0]}")
            continue
        return model.base_model
    raise SfmbenchError(f"cannot load a backbone from {folder}: " + "; ".join(failures),
                        "point model_id at a checkpoint of this model family (its config.json "
                        "must map one of " + ", ".join(auto_classes) + ")")


def _mapped_first(folder: Path, auto_classes: Sequence[str]) -> list[str]:
    """``auto_classes`` that the checkpoint's own ``auto_map`` names (all of them without one).

    Asking an auto class that a remote-code config does not map is slow (transformers scans
    every architecture to word its error), so those are skipped up front.
    """
    try:
        auto_map = json.loads((Path(folder) / "config.json").read_text()).get("auto_map") or {}
    except (OSError, ValueError):
        auto_map = {}
    if not auto_map:
        return list(auto_classes)
    mapped = [name for name in auto_classes if name in auto_map]
    if not mapped:
        raise SfmbenchError(f"the checkpoint in {folder} maps none of {', '.join(auto_classes)} "
                            f"in its auto_map ({', '.join(sorted(auto_map))})",
                            "point model_id at a checkpoint of this model family")
    return mapped


def last_hidden_state(output: Any) -> torch.Tensor:
    """Token states ``(B, T, D)`` from whatever a backbone returns (output object or tuple)."""
    state = getattr(output, "last_hidden_state", None)
    if state is None and isinstance(output, (tuple, list)):
        state = output[0]
    if state is None and isinstance(output, torch.Tensor):
        state = output
    if not isinstance(state, torch.Tensor) or state.dim() != 3:
        raise SfmbenchError(f"the backbone returned {type(output).__name__} without token "
                            "states of shape (batch, tokens, hidden)",
                            "use a checkpoint of the adapter's family")
    return state


def pool(states: torch.Tensor, mask: torch.Tensor, how: str) -> torch.Tensor:
    """One vector per sequence from token states ``(B, T, D)``; ``mask`` marks real tokens."""
    mask = mask.to(states.dtype)
    if how == "mean":
        return (states * mask[..., None]).sum(1) / mask.sum(1, keepdim=True).clamp_min(1.0)
    rows = torch.arange(len(states), device=states.device)
    if how == "cls":                                   # first real token (any padding side)
        return states[rows, mask.argmax(1)]
    if how == "last":                                  # last real token (any padding side)
        return states[rows, mask.shape[1] - 1 - mask.flip(1).argmax(1)]
    raise ConfigError(f"unknown pooling {how!r}", f"use one of: {', '.join(POOLINGS)}")


class SequenceClassifier(nn.Module):
    """Backbone -> pooled sequence embedding -> dropout -> linear head (logits)."""

    def __init__(self, backbone: nn.Module, head: nn.Module, pooling: str = "mean",
                 dropout: float = 0.0) -> None:
        super().__init__()
        if pooling not in POOLINGS:
            raise ConfigError(f"unknown pooling {pooling!r}", f"use one of: {', '.join(POOLINGS)}")
        self.backbone, self.head, self.pooling = backbone, head, pooling
        self.dropout = nn.Dropout(dropout)
        self.pass_mask = accepts_attention_mask(backbone)

    def embed(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        kwargs = {"attention_mask": attention_mask} if self.pass_mask else {}
        states = last_hidden_state(self.backbone(input_ids=input_ids, **kwargs))
        return pool(states.float(), attention_mask, self.pooling)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.embed(input_ids, attention_mask)))


def accepts_attention_mask(module: nn.Module) -> bool:
    """Whether the (possibly peft-wrapped) backbone's forward takes ``attention_mask``."""
    inner = module.get_base_model() if hasattr(module, "get_base_model") else module
    return "attention_mask" in inspect.signature(inner.forward).parameters


class Standardize(nn.Module):
    """``(x - mean) / std`` with statistics of the training embeddings (kept as buffers)."""

    def __init__(self, x: Any) -> None:
        super().__init__()
        x = torch.as_tensor(x, dtype=torch.float32)
        self.register_buffer("mean", x.mean(0))
        self.register_buffer("std", x.std(0).nan_to_num(1.0).clamp_min(1e-6))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


@torch.no_grad()
def embedding_size(backbone: nn.Module, tokens: Any, pooling: str) -> int:
    """Width of the pooled embedding, from one forward pass on the first sample of ``tokens``."""
    probe = SequenceClassifier(backbone, nn.Identity(), pooling)
    was_training = backbone.training
    backbone.eval()
    x, _ = tokens[0]
    width = int(probe(x["input_ids"][None], x["attention_mask"][None]).shape[-1])
    backbone.train(was_training)
    return width

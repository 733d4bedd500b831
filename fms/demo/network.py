"""A small patch transformer (channel-independent, PatchTST-style) with a save/load path.

Series are cut into non-overlapping patches; each patch is embedded, positions are added, and a
``torch.nn.TransformerEncoder`` mixes them. Two heads use the encoder: a masked-patch
reconstruction head (pretraining) and a forecasting head (fine-tuning, created per horizon).
:func:`save_pretrained`/:func:`from_pretrained` write/read ``config.json`` + ``model.pt``.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn

from sfmbench.errors import ConfigError

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.pt"


@dataclass
class PatchConfig:
    patch: int = 8
    max_patches: int = 64
    d_model: int = 48
    n_heads: int = 4
    n_layers: int = 2
    ff: int = 96
    dropout: float = 0.0


class PatchEncoder(nn.Module):
    """(B, L) series -> (B, P, d_model) patch features; L is cropped on the left to P patches."""

    def __init__(self, config: PatchConfig) -> None:
        super().__init__()
        self.config = config
        self.embed = nn.Linear(config.patch, config.d_model)
        self.position = nn.Parameter(torch.randn(config.max_patches, config.d_model) * 0.02)
        self.mask_token = nn.Parameter(torch.zeros(config.d_model))
        layer = nn.TransformerEncoderLayer(config.d_model, config.n_heads, config.ff,
                                           config.dropout, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, config.n_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(config.d_model)
        self.reconstruct = nn.Linear(config.d_model, config.patch)   # pretraining head

    def n_patches(self, length: int) -> int:
        return min(length // self.config.patch, self.config.max_patches)

    def patches(self, x: torch.Tensor) -> torch.Tensor:
        p = self.n_patches(x.shape[-1])
        if p < 1:
            raise ConfigError(f"the look-back ({x.shape[-1]}) is shorter than one patch "
                              f"({self.config.patch})", "use a longer task.lookback")
        return x[:, -p * self.config.patch:].reshape(x.shape[0], p, self.config.patch)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        tokens = self.embed(self.patches(x))
        if mask is not None:  # (B, P) bool: replace masked patches by the mask token
            tokens = torch.where(mask[..., None], self.mask_token.expand_as(tokens), tokens)
        tokens = tokens + self.position[: tokens.shape[1]]
        return self.norm(self.encoder(tokens))


class Forecaster(nn.Module):
    """Encoder + a linear head from all patch features to ``horizon`` values."""

    def __init__(self, encoder: PatchEncoder, n_patches: int, horizon: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(n_patches * encoder.config.d_model, horizon)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # instance normalization per window (RevIN without affine): scale-free forecasts
        mean = x.mean(dim=1, keepdim=True)
        std = x.std(dim=1, keepdim=True) + 1e-5
        z = self.encoder((x - mean) / std)
        return self.head(z.flatten(1)) * std + mean


def save_pretrained(encoder: PatchEncoder, folder: Path, extra: dict | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CONFIG_FILE).write_text(json.dumps({**asdict(encoder.config),
                                                  **({"pretraining": extra} if extra else {})},
                                                 indent=2))
    torch.save(encoder.state_dict(), folder / WEIGHTS_FILE)


def from_pretrained(folder: Path) -> PatchEncoder:
    folder = Path(folder)
    try:
        raw = json.loads((folder / CONFIG_FILE).read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{folder} holds no demo-fm checkpoint ({exc})",
                          "delete the folder: the demo pretrains a new one") from exc
    fields = {k: v for k, v in raw.items() if k in PatchConfig.__dataclass_fields__}
    encoder = PatchEncoder(PatchConfig(**fields))
    encoder.load_state_dict(torch.load(folder / WEIGHTS_FILE, map_location="cpu",
                                       weights_only=True))
    return encoder

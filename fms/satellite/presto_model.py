"""Presto (Tseng et al. 2023, "Lightweight, Pre-trained Transformers for Remote Sensing
Timeseries"), written here from the paper's description; parameter names follow the published
checkpoint (``nasaharvest/presto`` ``data/default_model.pt``) so it loads strictly.

A pixel's time series of Sentinel-1, Sentinel-2, ERA5 and SRTM values (Presto-normalized, 17
channels, :data:`BAND_GROUPS`) becomes one token per (channel group, timestep) - SRTM, which is
static, one token in all - plus one Dynamic World land-cover token per timestep and one token for
the location. Each token carries a month encoding, a learned channel-group embedding and a
sinusoidal position. A small ViT encoder attends over the unmasked tokens; the pixel's encoding
is the LayerNorm of their mean. The MAE-style decoder (pretraining only) reconstructs every
token's values from the encoder's output.
"""
from __future__ import annotations

import json
import math
from collections import OrderedDict
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

#: the 17 Presto-normalized channels, in order (raw B9 dropped, NDVI recomputed)
NORMED_BANDS: tuple[str, ...] = ("VV", "VH", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A",
                                 "B11", "B12", "temperature_2m", "total_precipitation",
                                 "elevation", "slope", "NDVI")
#: channel group -> indices into NORMED_BANDS (the checkpoint's token groups, in its order)
BAND_GROUPS: "OrderedDict[str, list[int]]" = OrderedDict(
    (name, [NORMED_BANDS.index(b) for b in bands]) for name, bands in (
        ("S1", ("VV", "VH")), ("S2_RGB", ("B2", "B3", "B4")),
        ("S2_Red_Edge", ("B5", "B6", "B7")), ("S2_NIR_10m", ("B8",)),
        ("S2_NIR_20m", ("B8A",)), ("S2_SWIR", ("B11", "B12")),
        ("ERA5", ("temperature_2m", "total_precipitation")), ("SRTM", ("elevation", "slope")),
        ("NDVI", ("NDVI",))))
STATIC_GROUP = "SRTM"
#: Dynamic World classes; index DW_MISSING marks a missing value (masked token)
DW_CLASSES = 9
DW_MISSING = DW_CLASSES


@dataclass(frozen=True)
class PrestoConfig:
    """The keys of Presto's ``config/default.json`` (plus the position table length)."""

    encoder_embedding_size: int = 128
    channel_embed_ratio: float = 0.25
    month_embed_ratio: float = 0.25
    encoder_depth: int = 2
    mlp_ratio: float = 4
    encoder_num_heads: int = 8
    decoder_embedding_size: int = 128
    decoder_depth: int = 2
    decoder_num_heads: int = 8
    max_sequence_length: int = 24

    @classmethod
    def from_json(cls, path: str | Path) -> "PrestoConfig":
        data = json.loads(Path(path).read_text())
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown Presto config key(s) {unknown} in {path}")
        return cls(**data)

    def to_json(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(asdict(self), indent=2))


def sinusoid_table(n_positions: int, dim: int, base: float = 1000.0) -> torch.Tensor:
    """(n_positions, dim): sin on even, cos on odd dimensions (Transformer positions)."""
    pos = np.arange(n_positions)[:, None]
    angle = pos / np.power(base, 2 * (np.arange(dim) // 2) / dim)
    angle[:, 0::2], angle[:, 1::2] = np.sin(angle[:, 0::2]), np.cos(angle[:, 1::2])
    return torch.tensor(angle, dtype=torch.float32)


def month_table(dim: int) -> torch.Tensor:
    """(12, dim): sin of the month's angle in the first half, cos in the second."""
    angles = np.arange(12) * (2 * np.pi / 12)
    half = np.repeat(angles[:, None], dim // 2, axis=1)
    return torch.tensor(np.concatenate([np.sin(half), np.cos(half)], axis=1), dtype=torch.float32)


def month_indices(month: torch.Tensor | int, batch: int, steps: int, device: torch.device
                  ) -> torch.Tensor:
    """(B, T) month indices from a start month (int or (B,)) or a (B, T) tensor."""
    if isinstance(month, int):
        month = torch.full((batch,), month, dtype=torch.long, device=device)
    month = month.to(device).long()
    if month.dim() == 1:
        month = (month[:, None] + torch.arange(steps, device=device)[None]) % 12
    return month


class Attention(nn.Module):
    """Multi-head self-attention whose keys can be masked out."""

    def __init__(self, dim: int, num_heads: int) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, keep: torch.Tensor | None = None) -> torch.Tensor:
        b, n, c = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.num_heads, c // self.num_heads) \
            .permute(2, 0, 3, 1, 4).unbind(0)
        mask = keep[:, None, None, :] if keep is not None else None
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return self.proj(out.transpose(1, 2).reshape(b, n, c))


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    """Pre-norm transformer block."""

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float) -> None:
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = Attention(dim, num_heads)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x: torch.Tensor, keep: torch.Tensor | None = None) -> torch.Tensor:
        x = x + self.attn(self.norm1(x), keep)
        return x + self.mlp(self.norm2(x))


def _init_linear_and_norm(module: nn.Module) -> None:
    if isinstance(module, nn.Linear):
        nn.init.xavier_uniform_(module.weight)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.LayerNorm):
        nn.init.ones_(module.weight)
        nn.init.zeros_(module.bias)


class Encoder(nn.Module):
    """Tokens per (channel group, month), a Dynamic World token per month, a location token."""

    def __init__(self, cfg: PrestoConfig) -> None:
        super().__init__()
        d = cfg.encoder_embedding_size
        self.embedding_size = d
        self.groups = list(BAND_GROUPS)
        self.eo_patch_embed = nn.ModuleDict({g: nn.Linear(len(i), d) for g, i in
                                             BAND_GROUPS.items()})
        self.dw_embed = nn.Embedding(DW_CLASSES + 1, d)
        self.latlon_embed = nn.Linear(3, d)
        self.blocks = nn.ModuleList([Block(d, cfg.encoder_num_heads, cfg.mlp_ratio)
                                     for _ in range(cfg.encoder_depth)])
        self.norm = nn.LayerNorm(d)
        channel = int(d * cfg.channel_embed_ratio)
        month = int(d * cfg.month_embed_ratio)
        pos = int(d * (1 - cfg.channel_embed_ratio - cfg.month_embed_ratio))
        self.pos_embed = nn.Parameter(sinusoid_table(cfg.max_sequence_length, pos)[None],
                                      requires_grad=False)
        self.month_embed = nn.Embedding.from_pretrained(month_table(month), freeze=True)
        # one embedding per band group, plus Dynamic World
        self.channel_embed = nn.Embedding(len(BAND_GROUPS) + 1, channel)
        self.apply(_init_linear_and_norm)

    @staticmethod
    def cartesian(latlons: torch.Tensor) -> torch.Tensor:
        """Degrees (lat, lon) -> a point on the unit sphere."""
        lat, lon = (latlons * math.pi / 180).unbind(-1)
        return torch.stack([lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()], -1)

    def tokens(self, x: torch.Tensor, dynamic_world: torch.Tensor, latlons: torch.Tensor,
               mask: torch.Tensor | None = None, month: torch.Tensor | int = 0
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """Embedded tokens (B, N, D) and which of them are kept (B, N), location token first."""
        b, t, _ = x.shape
        if mask is None:
            mask = torch.zeros_like(x)
        months = self.month_embed(month_indices(month, b, t, x.device))       # (B, T, m)
        pos = self.pos_embed[:, :t].expand(b, -1, -1)                          # (B, T, p)
        toks, masked = [], []
        for i, (group, idx) in enumerate(BAND_GROUPS.items()):
            emb = self.eo_patch_embed[group](x[:, :, idx])
            chan = self.channel_embed.weight[i].expand(b, t, -1)
            if group == STATIC_GROUP:   # one token, no month or position
                enc = torch.cat([torch.zeros_like(months[:, :1]), chan[:, :1],
                                 torch.zeros_like(pos[:, :1])], -1)
                toks.append(emb[:, :1] + enc)
                masked.append(mask[:, :1, idx].amax(-1))
            else:
                toks.append(emb + torch.cat([months, chan, pos], -1))
                masked.append(mask[:, :, idx].amax(-1))
        chan = self.channel_embed.weight[len(BAND_GROUPS)].expand(b, t, -1)
        toks.append(self.dw_embed(dynamic_world) + torch.cat([months, chan, pos], -1))
        masked.append((dynamic_world == DW_MISSING).to(x.dtype))
        loc = self.latlon_embed(self.cartesian(latlons))[:, None]
        tokens = torch.cat([loc, *toks], 1)
        keep = torch.cat([torch.ones(b, 1, dtype=torch.bool, device=x.device),
                          torch.cat(masked, 1) == 0], 1)
        return tokens, keep

    def forward(self, x: torch.Tensor, dynamic_world: torch.Tensor, latlons: torch.Tensor,
                mask: torch.Tensor | None = None, month: torch.Tensor | int = 0,
                eval_task: bool = True) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """The pixel encoding (B, D); with ``eval_task=False`` the normed tokens and the keep
        mask (for the decoder)."""
        tokens, keep = self.tokens(x, dynamic_world, latlons, mask, month)
        for block in self.blocks:
            tokens = block(tokens, keep)
        if not eval_task:
            return self.norm(tokens), keep
        w = keep.unsqueeze(-1).to(tokens.dtype)
        return self.norm((tokens * w).sum(1) / w.sum(1))


class Decoder(nn.Module):
    """Reconstructs every token's values (pretraining objective)."""

    def __init__(self, cfg: PrestoConfig, channel_embeddings: nn.Embedding) -> None:
        super().__init__()
        d = cfg.decoder_embedding_size
        self.decoder_embed = nn.Linear(cfg.encoder_embedding_size, d)
        self.mask_token = nn.Parameter(torch.zeros(d))
        self.decoder_blocks = nn.ModuleList([Block(d, cfg.decoder_num_heads, cfg.mlp_ratio)
                                             for _ in range(cfg.decoder_depth)])
        self.decoder_norm = nn.LayerNorm(d)
        self.eo_decoder_pred = nn.ModuleDict({g: nn.Linear(d, len(i)) for g, i in
                                              BAND_GROUPS.items()})
        self.dw_decoder_pred = nn.Linear(d, DW_CLASSES)
        self.channel_embeddings = channel_embeddings      # shared with the encoder
        rest = (d - channel_embeddings.weight.shape[-1]) // 2
        self.pos_embed = nn.Parameter(sinusoid_table(cfg.max_sequence_length, rest)[None],
                                      requires_grad=False)
        self.month_embed = nn.Embedding.from_pretrained(month_table(rest), freeze=True)
        self.apply(_init_linear_and_norm)

    def forward(self, tokens: torch.Tensor, keep: torch.Tensor, month: torch.Tensor | int,
                steps: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, T, 17) band reconstructions and (B, T, 9) Dynamic World logits."""
        x = self.decoder_embed(tokens)
        x = torch.where(keep.unsqueeze(-1), x, self.mask_token.expand_as(x))
        b = x.shape[0]
        months = self.month_embed(month_indices(month, b, steps, x.device))
        pos = self.pos_embed[:, :steps].expand(b, -1, -1)
        enc, start = [torch.zeros_like(x[:, :1])], 1
        for i, group in enumerate([*BAND_GROUPS, "dynamic_world"]):
            chan = self.channel_embeddings.weight[i].expand(b, steps, -1)
            if group == STATIC_GROUP:
                enc.append(torch.cat([torch.zeros_like(months[:, :1]), chan[:, :1],
                                      torch.zeros_like(pos[:, :1])], -1))
            else:
                enc.append(torch.cat([months, chan, pos], -1))
        x = x + torch.cat(enc, 1)
        for block in self.decoder_blocks:
            x = block(x)
        x = self.decoder_norm(x)
        out, start = [], 1
        for group in BAND_GROUPS:
            n = 1 if group == STATIC_GROUP else steps
            pred = self.eo_decoder_pred[group](x[:, start:start + n])
            out.append(pred.expand(-1, steps, -1) if n == 1 else pred)
            start += n
        return torch.cat(out, -1), self.dw_decoder_pred(x[:, start:start + steps])


class Presto(nn.Module):
    """Encoder and decoder; ``Presto.from_pretrained(folder)`` loads a published checkpoint."""

    def __init__(self, cfg: PrestoConfig | None = None) -> None:
        super().__init__()
        self.config = cfg or PrestoConfig()
        self.encoder = Encoder(self.config)
        self.decoder = Decoder(self.config, self.encoder.channel_embed)

    def forward(self, x: torch.Tensor, dynamic_world: torch.Tensor, latlons: torch.Tensor,
                mask: torch.Tensor | None = None, month: torch.Tensor | int = 0
                ) -> tuple[torch.Tensor, torch.Tensor]:
        tokens, keep = self.encoder(x, dynamic_world, latlons, mask, month, eval_task=False)
        return self.decoder(tokens, keep, month, x.shape[1])


__all__ = ["BAND_GROUPS", "DW_CLASSES", "DW_MISSING", "Decoder", "Encoder", "NORMED_BANDS",
           "Presto", "PrestoConfig"]

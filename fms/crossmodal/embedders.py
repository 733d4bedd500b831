"""Task-specific embedders (input -> body tokens) and prediction heads (tokens -> outputs).

- :class:`PatchEmbed1d` (ORCA): Conv1d with kernel = stride = s, LayerNorm, learned positions
  initialised from the body's; s = :func:`token_stride`.
- :class:`PatchEmbed2d` (ORCA): Conv2d patches initialised from the body's patch embedding
  tiled over the input channels, LayerNorm.
- :class:`SearchedCNNEmbed` (L2G): DASHA's residual 1-D blocks with the (kernel, dilation) per
  conv found by the DASH search, channels C -> w -> 2w -> d, LayerNorm, no positions.
- heads: :class:`PooledHead` (mean over tokens, linear) and :class:`TokenHead` (per-token
  linear, tokens un-patchified to the output length).
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from sfmbench.errors import ConfigError


def token_stride(length: int, max_tokens: int) -> int:
    """The smallest divisor s of ``length`` with ``length / s <= max_tokens`` (ORCA's stack_num)."""
    if length < 1 or max_tokens < 1:
        raise ConfigError(f"cannot patch a length-{length} input into <= {max_tokens} tokens")
    for s in range(1, length + 1):
        if length % s == 0 and length // s <= max_tokens:
            return s
    return length


class PatchEmbed1d(nn.Module):
    """(B, C, L) -> (B, L/s, d): strided conv, LayerNorm, + positions."""

    def __init__(self, in_channels: int, length: int, dim: int, stride: int,
                 positions: torch.Tensor | None = None, layer_norm: nn.LayerNorm | None = None
                 ) -> None:
        super().__init__()
        self.stride = stride
        self.n_tokens = length // stride
        self.conv = nn.Conv1d(in_channels, dim, stride, stride=stride)
        nn.init.xavier_uniform_(self.conv.weight, gain=math.sqrt(2))
        nn.init.zeros_(self.conv.bias)
        self.norm = nn.LayerNorm(dim)
        if layer_norm is not None and layer_norm.normalized_shape == self.norm.normalized_shape:
            self.norm.load_state_dict(layer_norm.state_dict())
        self.positions = nn.Parameter(torch.zeros(self.n_tokens, dim))
        if positions is not None and len(positions) >= self.n_tokens:
            self.positions.data.copy_(positions[:self.n_tokens])
        else:
            nn.init.normal_(self.positions, std=0.02)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.conv(x).transpose(1, 2)) + self.positions


class PatchEmbed2d(nn.Module):
    """(B, C, H, W) -> (B, h*w, d) with grid (h, w): patch conv (body init, tiled), LayerNorm."""

    def __init__(self, in_channels: int, dim: int, patch: int, size: int | None = None,
                 body_conv: nn.Conv2d | None = None, layer_norm: nn.LayerNorm | None = None
                 ) -> None:
        super().__init__()
        self.patch, self.size = patch, size
        self.conv = nn.Conv2d(in_channels, dim, patch, stride=patch)
        if body_conv is not None and body_conv.out_channels == dim \
                and body_conv.kernel_size == (patch, patch):
            w = body_conv.weight.detach()
            reps = math.ceil(in_channels / w.shape[1])
            self.conv.weight.data.copy_(w.repeat(1, reps, 1, 1)[:, :in_channels])
            if body_conv.bias is not None:
                self.conv.bias.data.copy_(body_conv.bias.detach())
        self.norm = nn.LayerNorm(dim)
        if layer_norm is not None and layer_norm.normalized_shape == self.norm.normalized_shape:
            self.norm.load_state_dict(layer_norm.state_dict())

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, tuple[int, int]]:
        if self.size is not None and tuple(x.shape[-2:]) != (self.size, self.size):
            x = F.interpolate(x, size=(self.size, self.size), mode="bilinear",
                              align_corners=False)
        ph, pw = (-x.shape[-2]) % self.patch, (-x.shape[-1]) % self.patch
        if ph or pw:
            x = F.pad(x, (0, pw, 0, ph))
        out = self.conv(x)
        grid = (int(out.shape[-2]), int(out.shape[-1]))
        return self.norm(out.flatten(2).transpose(1, 2)), grid


class SearchedCNNEmbed(nn.Module):
    """L2G: three residual blocks of DASHA's 1-D ResNet, channels C -> w -> 2w -> d, with the
    searched (kernel, dilation) per conv, then LayerNorm. When the body's token limit needs a
    ``stride`` > 1, the sequence is average-pooled before the last (d-channel) block."""

    def __init__(self, in_channels: int, dim: int, width: int,
                 arch: Sequence[tuple[int, int]] | None, stride: int = 1,
                 dropout: float = 0.0) -> None:
        super().__init__()
        from sfmbench.baselines.dasha.networks import FixedConvs, ResBlock1d

        make = FixedConvs(1, arch)
        kernels = (8, 5, 3)
        self.blocks = nn.Sequential(ResBlock1d(in_channels, width, kernels, make, dropout),
                                    ResBlock1d(width, 2 * width, kernels, make, dropout))
        # pooling before the d-channel block: with stride 1 (the paper) nothing changes
        self.pool = nn.AvgPool1d(stride) if stride > 1 else nn.Identity()
        self.last = ResBlock1d(2 * width, dim, kernels, make, dropout)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.last(self.pool(self.blocks(x))).transpose(1, 2))


class PooledHead(nn.Module):
    """(B, T, d) -> (B, n_out): mean over tokens, linear."""

    def __init__(self, dim: int, n_out: int) -> None:
        super().__init__()
        self.linear = nn.Linear(dim, n_out)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.linear(tokens.mean(1))


class TokenHead(nn.Module):
    """(B, T, d) -> (B, length, channels): each token predicts ``ceil(length / T)`` steps of
    every channel (per-token linear, the dense/forecasting head); the sequence is cropped."""

    def __init__(self, dim: int, n_tokens: int, length: int, channels: int) -> None:
        super().__init__()
        self.length, self.channels = length, channels
        self.per_token = math.ceil(length / n_tokens)
        self.linear = nn.Linear(dim, self.per_token * channels)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        b, t, _ = tokens.shape
        out = self.linear(tokens).reshape(b, t * self.per_token, self.channels)
        return out[:, :self.length]

"""A segmentation UNet whose 3x3 convolutions are DASH-searchable.

The published DASHA code's "UNet" ends in global pooling (a classifier); this is the
encoder-decoder of Ronneberger et al. (2015): ``depth`` down levels of two convolutions each
(batch norm, ReLU) with 2x2 max pooling, a two-convolution bottleneck, and ``depth`` up levels
(2x2 transposed convolution, concatenation with the skip, two convolutions), then a 1x1
classifier giving per-pixel logits (N, K, H, W). Every 3x3 convolution (``4 * depth + 2`` of
them) is built by a :class:`~sfmbench.baselines.dasha.networks.ConvMaker`, so the same class
serves the DASH search (mixtures) and retraining (the searched (kernel, dilation) per layer);
pooling, up-sampling and the classifier are never searched. Inputs whose sides are not
multiples of ``2 ** depth`` are zero-padded and the logits cropped back.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import nn

from sfmbench.errors import ConfigError

if TYPE_CHECKING:
    from .networks import ConvMaker


class DoubleConv(nn.Module):
    """(searchable conv, BN, ReLU, dropout) twice."""

    def __init__(self, c_in: int, c_out: int, make: "ConvMaker", dropout: float) -> None:
        super().__init__()
        self.block = nn.Sequential(make(c_in, c_out, 3, 1), nn.BatchNorm2d(c_out),
                                   nn.ReLU(inplace=True), nn.Dropout2d(dropout),
                                   make(c_out, c_out, 3, 1), nn.BatchNorm2d(c_out),
                                   nn.ReLU(inplace=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(x)


class DashUNet(nn.Module):
    """UNet with ``width`` channels at the first level, doubling per level (``depth`` levels)."""

    def __init__(self, in_channels: int, num_outputs: int, width: int = 64, depth: int = 4,
                 dropout: float = 0.0, conv: "ConvMaker | None" = None) -> None:
        super().__init__()
        if not 1 <= depth <= 8 or width < 1:
            raise ConfigError(f"UNet needs 1 <= depth <= 8 levels and width >= 1, got depth "
                              f"{depth}, width {width}",
                              "depth counts levels, each doubling the channels (typically 4); "
                              "e.g. model.depth=4 model.width=64")
        from .networks import FixedConvs
        make = conv or FixedConvs(2)
        chans = [width * 2 ** i for i in range(depth + 1)]
        self.depth = depth
        self.down = nn.ModuleList()
        c = in_channels
        for ch in chans[:-1]:
            self.down.append(DoubleConv(c, ch, make, dropout))
            c = ch
        self.bottleneck = DoubleConv(chans[-2], chans[-1], make, dropout)
        self.up = nn.ModuleList()
        self.up_convs = nn.ModuleList()
        for ch in reversed(chans[:-1]):
            self.up.append(nn.ConvTranspose2d(ch * 2, ch, 2, stride=2))
            self.up_convs.append(DoubleConv(ch * 2, ch, make, dropout))
        self.head = nn.Conv2d(chans[0], num_outputs, 1)
        self.n_searchable = 4 * depth + 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        m = 2 ** self.depth
        pad_h, pad_w = (-h) % m, (-w) % m
        if pad_h or pad_w:
            x = F.pad(x, (0, pad_w, 0, pad_h))
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.bottleneck(x)
        for up, block, skip in zip(self.up, self.up_convs, reversed(skips)):
            x = block(torch.cat([skip, up(x)], 1))
        return self.head(x)[..., :h, :w]


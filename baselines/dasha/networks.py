"""DASHA's backbones: the 1-D ResNet (genomics, time series), the pre-activation Wide-ResNet
(images) and, in :mod:`.unet`, a segmentation UNet.

Every searchable convolution is built by a :class:`ConvMaker`, so one network definition serves
both stages: :class:`FixedConvs` builds plain convolutions with a given (kernel, dilation) per
layer, :class:`MixtureConvs` builds DASH mixtures for the search. 1x1 shortcuts are never searched.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import torch
from torch import nn

from sfmbench.errors import ConfigError

from .mixture import FftMode, MixtureConv, SearchSpace


class ConvMaker(Protocol):
    """Builds the next searchable convolution of a network (called in network order)."""

    def __call__(self, in_channels: int, out_channels: int, default_kernel: int,
                 stride: int = 1) -> nn.Module: ...


class FixedConvs:
    """Plain convolutions: layer i gets ``arch[i] = (kernel, dilation)``, or its default kernel."""

    def __init__(self, ndim: int, arch: Sequence[tuple[int, int]] | None = None) -> None:
        self.ndim, self.arch, self.index = ndim, list(arch) if arch else None, 0

    def __call__(self, in_channels: int, out_channels: int, default_kernel: int,
                 stride: int = 1) -> nn.Module:
        if self.arch is not None:
            if self.index >= len(self.arch):
                raise ConfigError(f"the architecture lists {len(self.arch)} layers, the network "
                                  f"needs more", "search again for this backbone and depth")
            k, d = self.arch[self.index]
        else:
            k, d = default_kernel, 1
        self.index += 1
        conv = (nn.Conv1d, nn.Conv2d)[self.ndim - 1]
        total = d * (k - 1)
        if stride > 1 or total % 2 == 0:   # symmetric padding (padding="same" is slow on CPU)
            return conv(in_channels, out_channels, k, stride=stride, padding=total // 2,
                        dilation=d, bias=False)
        # even kernels (the 1-D ResNet's default 8): "same" output, the extra zero on the right
        pad = (nn.ConstantPad1d, nn.ConstantPad2d)[self.ndim - 1]
        return nn.Sequential(pad((total // 2, total - total // 2) * self.ndim, 0.0),
                             conv(in_channels, out_channels, k, dilation=d, bias=False))


class MixtureConvs:
    """DASH mixtures; with ``depthwise``, layers with C_in == C_out search a depthwise proxy."""

    def __init__(self, ndim: int, space: SearchSpace, depthwise: bool = False,
                 fft: FftMode = "auto") -> None:
        self.ndim, self.space, self.depthwise, self.fft = ndim, space, depthwise, fft

    def __call__(self, in_channels: int, out_channels: int, default_kernel: int,
                 stride: int = 1) -> nn.Module:
        groups = in_channels if self.depthwise and in_channels == out_channels else 1
        return MixtureConv(in_channels, out_channels, self.space, self.ndim, stride=stride,
                           groups=groups, fft=self.fft)


def _check_arch(arch: Sequence[tuple[int, int]] | None, n: int) -> None:
    if arch is not None and len(arch) != n:
        raise ConfigError(f"the architecture lists {len(arch)} layers, the network has {n}",
                          "search again for this backbone and depth")


# 1-D ResNet --------------------------------------------------------------------------------

class ConvBlock1d(nn.Sequential):
    """Conv1d, dropout, batch norm, ReLU."""

    def __init__(self, conv: nn.Module, channels: int, dropout: float) -> None:
        super().__init__(conv, nn.Dropout(dropout), nn.BatchNorm1d(channels), nn.ReLU())


class ResBlock1d(nn.Module):
    """Three ConvBlocks; a 1x1-conv + BN shortcut only where the channel count changes."""

    def __init__(self, c_in: int, c_out: int, kernels: Sequence[int], make: ConvMaker,
                 dropout: float) -> None:
        super().__init__()
        chans = [c_in] + [c_out] * len(kernels)
        self.layers = nn.Sequential(*[ConvBlock1d(make(chans[i], c_out, k), c_out, dropout)
                                      for i, k in enumerate(kernels)])
        self.shortcut = (nn.Sequential(nn.Conv1d(c_in, c_out, 1, bias=False),
                                       nn.BatchNorm1d(c_out)) if c_in != c_out else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.layers(x)
        return out + self.shortcut(x) if self.shortcut is not None else out


class ResNet1D(nn.Module):
    """3 residual blocks x 3 ConvBlocks, channels in -> w -> 2w -> 2w, mean pool, linear head."""

    n_searchable = 9

    def __init__(self, in_channels: int, num_outputs: int, mid_channels: int = 128,
                 kernels: Sequence[int] = (8, 5, 3), dropout: float = 0.0,
                 conv: ConvMaker | None = None) -> None:
        super().__init__()
        make = conv or FixedConvs(1)
        w = mid_channels
        self.blocks = nn.Sequential(ResBlock1d(in_channels, w, kernels, make, dropout),
                                    ResBlock1d(w, 2 * w, kernels, make, dropout),
                                    ResBlock1d(2 * w, 2 * w, kernels, make, dropout))
        self.head = nn.Linear(2 * w, num_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.blocks(x).mean(-1))


# 2-D pre-activation Wide-ResNet ------------------------------------------------------------

class WideBasic(nn.Module):
    """BN-ReLU-conv-dropout-BN-ReLU-conv, 1x1 shortcut where shape changes."""

    def __init__(self, c_in: int, c_out: int, stride: int, make: ConvMaker, dropout: float
                 ) -> None:
        super().__init__()
        self.bn1, self.bn2 = nn.BatchNorm2d(c_in), nn.BatchNorm2d(c_out)
        self.conv1 = make(c_in, c_out, 3, stride)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = make(c_out, c_out, 3, 1)
        self.shortcut = (nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False)
                         if stride != 1 or c_in != c_out else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pre = torch.relu(self.bn1(x))
        out = self.conv2(torch.relu(self.bn2(self.dropout(self.conv1(pre)))))
        return out + (self.shortcut(pre) if self.shortcut is not None else x)


class WideResNet(nn.Module):
    """WRN-depth-widen (depth = 6n + 4): 1 + 6n searchable convs, widths 16, 16w, 32w, 64w."""

    def __init__(self, in_channels: int, num_outputs: int, depth: int = 22, widen: int = 1,
                 dropout: float = 0.0, conv: ConvMaker | None = None) -> None:
        super().__init__()
        if (depth - 4) % 6 or depth < 10:
            raise ConfigError(f"Wide-ResNet depth {depth} is not 6n + 4 (n >= 1)",
                              "use e.g. 10, 16, 22 or 28")
        n = (depth - 4) // 6
        self.n_searchable = 1 + 6 * n
        make = conv or FixedConvs(2)
        widths = [16, 16 * widen, 32 * widen, 64 * widen]
        layers: list[nn.Module] = [make(in_channels, widths[0], 3, 1)]
        c = widths[0]
        for stage, width in enumerate(widths[1:]):
            for i in range(n):
                layers.append(WideBasic(c, width, 2 if stage and i == 0 else 1, make, dropout))
                c = width
        self.features = nn.Sequential(*layers)
        self.bn = nn.BatchNorm2d(c)
        self.head = nn.Linear(c, num_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn(self.features(x)))
        return self.head(out.mean((-2, -1)))


def build_backbone(name: str, in_channels: int, num_outputs: int, *, width: int, depth: int,
                   dropout: float, conv: ConvMaker | None) -> nn.Module:
    """``resnet1d`` (width = mid channels), ``wrn`` (depth 6n+4, width = widen factor) or
    ``unet`` (segmentation; depth = levels, width = first-level channels)."""
    from .unet import DashUNet

    builders = {
        "resnet1d": lambda: ResNet1D(in_channels, num_outputs, width, dropout=dropout, conv=conv),
        "wrn": lambda: WideResNet(in_channels, num_outputs, depth, width, dropout, conv=conv),
        "unet": lambda: DashUNet(in_channels, num_outputs, width, depth, dropout, conv=conv),
    }
    if name not in builders:
        raise ConfigError(f"unknown DASHA backbone {name!r}", f"use one of {sorted(builders)}")
    return builders[name]()


BACKBONE_NDIM = {"resnet1d": 1, "wrn": 2, "unet": 2}

"""DASH mixture convolution: one summed kernel per layer over a (kernel size, dilation) grid.

Each candidate (k, d) has its own weight tensor. A candidate kernel is dilated (taps ``d``
apart, receptive field ``d(k-1)+1``) and zero-padded, centred, to the grid's largest field.
Convolution is linear, so the candidates, weighted by Gumbel-softmax coefficients of the layer's
architecture logits, are summed in weight space into ONE kernel that is applied once, directly or
in the Fourier domain (cost independent of kernel size). Generic over 1-D and 2-D.
"""
from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from scipy.fft import next_fast_len
import torch
import torch.nn.functional as F
from torch import nn

from sfmbench.errors import ConfigError

FftMode = bool | Literal["auto"]

#: "auto" uses the FFT from this merged kernel extent (taps per spatial axis) on
FFT_FROM_EXTENT = {1: 31, 2: 15}


@dataclass(frozen=True)
class SearchSpace:
    """The (kernel size, dilation) grid of a DASH search."""

    kernels: tuple[int, ...]
    dilations: tuple[int, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "kernels", tuple(int(k) for k in self.kernels))
        object.__setattr__(self, "dilations", tuple(int(d) for d in self.dilations))
        if not self.kernels or not self.dilations:
            raise ConfigError("a DASH search space needs at least one kernel size and dilation")
        if any(k < 1 or k % 2 == 0 for k in self.kernels) or any(d < 1 for d in self.dilations):
            raise ConfigError(f"invalid search space {self}",
                              "kernel sizes must be odd and >= 1, dilations >= 1")

    @property
    def candidates(self) -> list[tuple[int, int]]:
        return [(k, d) for k in self.kernels for d in self.dilations]

    @property
    def extent(self) -> int:
        """Taps per axis of the merged kernel: the largest receptive field."""
        return max(d * (k - 1) + 1 for k, d in self.candidates)


def _positions(k: int, d: int, extent: int, ndim: int) -> torch.Tensor:
    """Flat indices of a dilated, centred k^ndim kernel inside an extent^ndim kernel."""
    offset = (extent - (d * (k - 1) + 1)) // 2
    axis = offset + d * torch.arange(k)
    grids = torch.meshgrid(*([axis] * ndim), indexing="ij")
    flat = torch.zeros_like(grids[0])
    for g in grids:
        flat = flat * extent + g
    return flat.reshape(-1)


def fft_conv(x: torch.Tensor, weight: torch.Tensor, stride: int = 1, groups: int = 1
             ) -> torch.Tensor:
    """'Same'-padded cross-correlation (as ``F.convNd``) of an odd kernel, via ``torch.fft``."""
    ndim = weight.dim() - 2
    size_in, extent = x.shape[2:], weight.shape[2:]
    dims = tuple(range(-ndim, 0))
    # the smallest fast FFT size whose circular wrap-around misses the kept ('same') outputs
    n = [next_fast_len(max(e, s + (e - 1) // 2), real=True) for s, e in zip(size_in, extent)]
    real = torch.promote_types(x.dtype, torch.float32)   # no half-precision FFTs
    with torch.autocast(x.device.type, enabled=False):
        xf = torch.fft.rfftn(x.to(real), s=n, dim=dims)
        wf = torch.fft.rfftn(weight.to(real).flip(dims), s=n, dim=dims)
        b, c = xf.shape[:2]
        o = wf.shape[0]
        xg = xf.reshape(b, groups, c // groups, -1)
        wg = wf.reshape(groups, o // groups, c // groups, -1)
        if c // groups == 1:
            yf = xg * wg.squeeze(2)[None]                     # depthwise: no channel sum
        else:   # one batched matmul over (group, frequency) on contiguous operands
            xm = xg.permute(1, 3, 0, 2).contiguous()           # (g, f, b, c)
            wm = wg.permute(0, 3, 2, 1).contiguous()           # (g, f, c, o)
            yf = torch.matmul(xm, wm).permute(2, 0, 3, 1)      # (b, g, o, f)
        yf = yf.reshape(b, o, *xf.shape[2:])
        y = torch.fft.irfftn(yf, s=n, dim=dims)
    index = tuple(slice((e - 1) // 2, (e - 1) // 2 + s, stride) for s, e in zip(size_in, extent))
    return y[(..., *index)].to(x.dtype)


def direct_conv(x: torch.Tensor, weight: torch.Tensor, stride: int = 1, groups: int = 1
                ) -> torch.Tensor:
    """'Same'-padded convolution of an odd kernel with ``F.conv1d``/``F.conv2d``."""
    conv = (F.conv1d, F.conv2d, F.conv3d)[weight.dim() - 3]
    return conv(x, weight, stride=stride, padding=(weight.shape[-1] - 1) // 2, groups=groups)


def use_fft(mode: FftMode, extent: int, ndim: int) -> bool:
    return bool(mode) if mode != "auto" else extent >= FFT_FROM_EXTENT.get(ndim, 15)


class MixtureConv(nn.Module):
    """A searchable convolution: a Gumbel-softmax mixture over a (kernel, dilation) grid."""

    def __init__(self, in_channels: int, out_channels: int, space: SearchSpace, ndim: int = 1,
                 stride: int = 1, groups: int = 1, fft: FftMode = "auto") -> None:
        super().__init__()
        if ndim not in (1, 2):
            raise ConfigError(f"MixtureConv supports 1-D and 2-D convolutions, not {ndim}-D")
        if in_channels % groups or out_channels % groups:
            raise ConfigError(f"groups={groups} must divide {in_channels} and {out_channels}")
        self.space, self.ndim, self.stride, self.groups, self.fft = space, ndim, stride, groups, fft
        self.in_channels, self.out_channels = in_channels, out_channels
        cands = space.candidates
        sizes = [k ** ndim for k, _ in cands]
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels // groups, sum(sizes)))
        self.arch_logits = nn.Parameter(1e-3 * torch.randn(len(cands)))
        extent = space.extent
        self.register_buffer("positions", torch.cat([_positions(k, d, extent, ndim)
                                                     for k, d in cands]), persistent=False)
        self.register_buffer("owner", torch.repeat_interleave(torch.arange(len(cands)),
                                                              torch.tensor(sizes)),
                             persistent=False)
        self.register_buffer("field_sizes", torch.tensor([float(d * (k - 1) + 1)
                                                          for k, d in cands]), persistent=False)
        start = 0
        for size in sizes:   # each candidate initialised like its own nn.ConvNd
            bound = 1 / math.sqrt(in_channels // groups * size)
            nn.init.uniform_(self.weight[..., start:start + size], -bound, bound)
            start += size

    def coefficients(self) -> torch.Tensor:
        """Gumbel-softmax samples while training, the softmax of the logits otherwise."""
        logp = F.log_softmax(self.arch_logits, dim=0)
        return F.gumbel_softmax(logp, tau=1.0, hard=False) if self.training else logp.exp()

    def merged_kernel(self, coefficients: torch.Tensor | None = None) -> torch.Tensor:
        """The one (C_out, C_in/groups, E[, E]) kernel: coefficient-weighted, dilated candidates."""
        c = self.coefficients() if coefficients is None else coefficients
        extent = self.space.extent
        flat = self.weight.new_zeros(*self.weight.shape[:2], extent ** self.ndim)
        flat = flat.index_add(2, self.positions, self.weight * c[self.owner])
        return flat.reshape(*self.weight.shape[:2], *([extent] * self.ndim))

    def forward(self, x: torch.Tensor, coefficients: torch.Tensor | None = None) -> torch.Tensor:
        kernel = self.merged_kernel(coefficients)
        conv = fft_conv if use_fft(self.fft, self.space.extent, self.ndim) else direct_conv
        return conv(x, kernel.to(x.dtype), self.stride, self.groups)

    def candidate_kernel(self, index: int) -> torch.Tensor:
        """Candidate ``index``'s own (undilated) weight, shaped (C_out, C_in/groups, k[, k])."""
        k = self.space.candidates[index][0]
        sel = (self.owner == index).nonzero().squeeze(1)
        return self.weight[..., sel].reshape(*self.weight.shape[:2], *([k] * self.ndim))

    def selected(self) -> tuple[int, int]:
        """The (kernel size, dilation) with the largest architecture logit."""
        return self.space.candidates[int(self.arch_logits.argmax())]


def mixture_layers(model: nn.Module) -> Iterator[MixtureConv]:
    return (m for m in model.modules() if isinstance(m, MixtureConv))


def arch_parameters(model: nn.Module) -> list[nn.Parameter]:
    return [m.arch_logits for m in mixture_layers(model)]


def weight_parameters(model: nn.Module) -> list[nn.Parameter]:
    arch = {id(p) for p in arch_parameters(model)}
    return [p for p in model.parameters() if id(p) not in arch]


def selected_architecture(model: nn.Module) -> list[tuple[int, int]]:
    """Per searchable layer, in network order, the argmax (kernel size, dilation)."""
    return [m.selected() for m in mixture_layers(model)]


def scale_arch_gradients(model: nn.Module, grad_scale: float, field_penalty: float = 1e-5
                         ) -> None:
    """DASH's architecture-gradient rescaling: g/(s(|g|+1e-8)) + penalty * receptive field."""
    for m in mixture_layers(model):
        g = m.arch_logits.grad
        if g is None:
            continue
        g.div_(grad_scale * (g.norm() + 1e-8)).add_(field_penalty * m.field_sizes)


def separate_convs_reference(layer: MixtureConv, x: torch.Tensor, coefficients: torch.Tensor
                             ) -> torch.Tensor:
    """Every candidate as its own dilated convolution, weighted and summed (the slow way)."""
    conv = (F.conv1d, F.conv2d)[layer.ndim - 1]
    out = 0
    for i, (k, d) in enumerate(layer.space.candidates):
        out = out + coefficients[i] * conv(x, layer.candidate_kernel(i), stride=layer.stride,
                                           padding=d * (k - 1) // 2, dilation=d,
                                           groups=layer.groups)
    return out


def as_pairs(arch: Sequence[Sequence[int]]) -> list[tuple[int, int]]:
    return [(int(k), int(d)) for k, d in arch]

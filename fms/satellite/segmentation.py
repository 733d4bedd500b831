"""Semantic segmentation with the GeoFM encoders: per-family feature maps and a light decoder.

Feature maps (:data:`FEATURE_MAPS`, all (B, C, h, w), of the band-mapped and resized input):

==========  ====================================================================================
family      maps
==========  ====================================================================================
resnet      the stem and the four stages (timm ``forward_intermediates``; strides 2 to 32)
vit, satmae the patch tokens of the last four blocks (timm ``forward_intermediates``; stride 16)
swin        the output of each stage, the last one normed (torchvision; strides 4 to 32)
croma       the encoder's patch encodings (stride 8)
==========  ====================================================================================

Decoder (:class:`SegmentationDecoder`, FPN-like and small): each map is projected by a 1 x 1
convolution to ``width`` channels, resized to the finest map and summed; two 3 x 3
convolution blocks (conv, batch norm, ReLU) fuse them; then up to four steps of x2 upsampling
and a 3 x 3 block (halving the width, at least 16) bring the map close to the output size; a
1 x 1 convolution gives the class logits, resized (bilinear) to the task's image size.

:class:`Segmenter` keeps a frozen encoder in eval mode while the decoder trains (batch norm
statistics of a pretrained encoder are never updated by the ``frozen`` recipe).
"""
from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn


def _resnet_maps(backbone: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    return list(backbone.forward_intermediates(x, intermediates_only=True))


def _vit_maps(backbone: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    n = min(4, len(backbone.blocks))
    return list(backbone.forward_intermediates(x, indices=n, intermediates_only=True,
                                               output_fmt="NCHW"))


def _swin_maps(backbone: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    from torchvision.models.swin_transformer import PatchMerging, PatchMergingV2

    layers = list(backbone.features)
    maps = []
    for i, layer in enumerate(layers):
        x = layer(x)
        last = i == len(layers) - 1
        if i > 0 and (last or isinstance(layers[i + 1], (PatchMerging, PatchMergingV2))):
            maps.append((backbone.norm(x) if last else x).permute(0, 3, 1, 2))   # NHWC -> NCHW
    return maps


def _croma_maps(backbone: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    return [backbone.feature_map(x)]


#: family -> (backbone, prepared input) -> feature maps; the families that segment
FEATURE_MAPS: dict[str, Callable[[nn.Module, torch.Tensor], list[torch.Tensor]]] = {
    "resnet": _resnet_maps, "vit": _vit_maps, "swin": _swin_maps, "croma": _croma_maps,
    "satmae": _vit_maps,   # a timm ViT-L/16 (:mod:`.satmae`)
}


def _block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out),
                         nn.ReLU(inplace=True))


class SegmentationDecoder(nn.Module):
    """Feature maps -> (B, num_classes, H, W) logits (see the module docstring)."""

    def __init__(self, channels: list[int], num_classes: int, width: int = 64,
                 n_up: int = 0) -> None:
        super().__init__()
        self.lateral = nn.ModuleList(nn.Conv2d(c, width, 1) for c in channels)
        self.fuse = nn.Sequential(_block(width, width), _block(width, width))
        steps: list[nn.Module] = []
        c = width
        for _ in range(n_up):
            steps += [nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                      _block(c, max(c // 2, 16))]
            c = max(c // 2, 16)
        self.up = nn.Sequential(*steps)
        self.classify = nn.Conv2d(c, num_classes, 1)

    def forward(self, maps: list[torch.Tensor], size: tuple[int, int]) -> torch.Tensor:
        finest = max((tuple(m.shape[-2:]) for m in maps), key=lambda s: s[0] * s[1])
        x = sum(_resize(proj(m), finest) for proj, m in zip(self.lateral, maps))
        x = self.up(self.fuse(x))
        return _resize(self.classify(x), size)


def _resize(x: torch.Tensor, size: tuple[int, ...]) -> torch.Tensor:
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    return F.interpolate(x, size=tuple(size), mode="bilinear", align_corners=False)


def decoder_factory(maps: list[torch.Tensor], out_size: int, num_classes: int,
                    width: int = 64) -> Callable[[], SegmentationDecoder]:
    """A builder of fresh decoders for maps shaped like ``maps`` (one probe of the encoder) and
    outputs of side ``out_size``: x2 steps up to half the output size, at most four."""
    channels = [int(m.shape[1]) for m in maps]
    finest = max(int(m.shape[-2]) for m in maps)
    n_up = max(0, min(4, math.ceil(math.log2(max(out_size / finest, 1.0))) - 1))
    return lambda: SegmentationDecoder(channels, num_classes, width, n_up)


class Segmenter(nn.Module):
    """An encoder with ``feature_maps(x)`` and a decoder: (B, C, H, W) -> (B, K, H, W)."""

    def __init__(self, encoder: nn.Module, decoder: nn.Module, frozen: bool = False) -> None:
        super().__init__()
        self.encoder, self.decoder, self.frozen = encoder, decoder, frozen

    def train(self, mode: bool = True) -> Segmenter:
        super().train(mode)
        if self.frozen:
            self.encoder.eval()
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder.feature_maps(x), tuple(x.shape[-2:]))


__all__ = ["FEATURE_MAPS", "SegmentationDecoder", "Segmenter", "decoder_factory"]

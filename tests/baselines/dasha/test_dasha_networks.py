"""Shapes and structure of DASHA's backbones, plain and searchable."""
from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn

from sfmbench.baselines.dasha.mixture import MixtureConv, SearchSpace, selected_architecture
from sfmbench.baselines.dasha.networks import (FixedConvs, MixtureConvs, ResNet1D, WideResNet,
                                               build_backbone)
from sfmbench.errors import ConfigError

SPACE = SearchSpace((3, 5), (1, 3))


def _searchable(model: nn.Module, kind: type) -> list[nn.Module]:
    return [m for name, m in model.named_modules()
            if isinstance(m, kind) and "shortcut" not in name and m is not model]


def test_resnet1d_structure_and_shape():
    net = ResNet1D(5, 3, mid_channels=16)
    assert net(torch.randn(4, 5, 70)).shape == (4, 3)
    convs = _searchable(net, nn.Conv1d)
    assert len(convs) == 9
    assert [c.kernel_size[0] for c in convs] == [8, 5, 3] * 3
    assert [(c.in_channels, c.out_channels) for c in convs[::3]] == [(5, 16), (16, 32), (32, 32)]
    # 1x1 shortcut only where the channel count changes; the third block has no skip
    assert [b.shortcut is not None for b in net.blocks] == [True, True, False]


def test_resnet1d_takes_a_searched_architecture():
    arch = [(3, 1), (5, 3), (7, 5), (9, 7), (11, 1), (3, 3), (5, 5), (7, 7), (9, 1)]
    net = ResNet1D(5, 2, mid_channels=8, conv=FixedConvs(1, arch))
    convs = _searchable(net, nn.Conv1d)
    assert [(c.kernel_size[0], c.dilation[0]) for c in convs] == arch
    assert net(torch.randn(2, 5, 33)).shape == (2, 2)
    with pytest.raises(ConfigError, match="architecture lists 2 layers"):
        ResNet1D(5, 2, mid_channels=8, conv=FixedConvs(1, arch[:2]))


def test_resnet1d_search_net_has_nine_mixtures_with_depthwise_proxy():
    net = ResNet1D(5, 2, mid_channels=8, conv=MixtureConvs(1, SPACE, depthwise=True))
    mixes = _searchable(net, MixtureConv)
    assert len(mixes) == 9
    assert [m.groups for m in mixes] == [1, 8, 8, 1, 16, 16, 16, 16, 16]
    assert net(torch.randn(2, 5, 20)).shape == (2, 2)
    assert len(selected_architecture(net)) == 9


@pytest.mark.parametrize("depth,n_conv", [(10, 7), (16, 13), (22, 19)])
def test_wide_resnet_searchable_convs_and_shape(depth, n_conv):
    net = WideResNet(3, 10, depth=depth, widen=1)
    assert net.n_searchable == n_conv == len(_searchable(net, nn.Conv2d))
    assert net(torch.randn(2, 3, 16, 16)).shape == (2, 10)
    arch = [(5, 2)] * n_conv
    fixed = WideResNet(3, 10, depth=depth, widen=2, conv=FixedConvs(2, arch))
    assert all(c.kernel_size == (5, 5) and c.dilation == (2, 2)
               for c in _searchable(fixed, nn.Conv2d))
    assert fixed(torch.randn(2, 3, 15, 15)).shape == (2, 10)


def test_wide_resnet_search_net():
    net = WideResNet(4, 5, depth=10, widen=1, conv=MixtureConvs(2, SPACE))
    assert len(_searchable(net, MixtureConv)) == 7
    out = net(torch.randn(2, 4, 12, 12))
    out.sum().backward()
    assert out.shape == (2, 5) and all(m.arch_logits.grad is not None
                                       for m in _searchable(net, MixtureConv))


def test_bad_backbone_config():
    with pytest.raises(ConfigError, match="6n \\+ 4"):
        WideResNet(3, 10, depth=20)
    with pytest.raises(ConfigError, match="unknown DASHA backbone"):
        build_backbone("transformer", 3, 2, width=1, depth=22, dropout=0.0, conv=None)
    # a UNet's depth counts levels (channels double per level): WRN's 22 is refused, not built
    with pytest.raises(ConfigError, match="depth <= 8"):
        build_backbone("unet", 3, 2, width=1, depth=22, dropout=0.0, conv=None)


@pytest.mark.parametrize("ndim,kernel,dilation", [(1, 8, 1), (1, 5, 3), (2, 4, 1), (2, 3, 2)])
def test_fixed_convs_keep_the_length(ndim, kernel, dilation):
    layer = FixedConvs(ndim, [(kernel, dilation)])(3, 4, 3)
    conv = [m for m in layer.modules() if isinstance(m, (nn.Conv1d, nn.Conv2d))][0]
    x = torch.randn(2, 3, *([17] * ndim))
    f = (torch.nn.functional.conv1d, torch.nn.functional.conv2d)[ndim - 1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # torch warns that "same" copies for even kernels
        ref = f(x, conv.weight, padding="same", dilation=dilation)
    torch.testing.assert_close(layer(x), ref)

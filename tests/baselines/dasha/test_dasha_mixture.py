"""The DASH mixture convolution equals the weighted sum of separate dilated convolutions."""
from __future__ import annotations

import pytest
import torch

from sfmbench.baselines.dasha.mixture import (MixtureConv, SearchSpace, arch_parameters,
                                              fft_conv, direct_conv, scale_arch_gradients,
                                              selected_architecture, separate_convs_reference,
                                              use_fft, weight_parameters)
from sfmbench.errors import ConfigError

GENOMICS = SearchSpace((3, 5, 7, 9, 11), (1, 3, 5, 7))
SMALL_2D = SearchSpace((3, 5), (1, 2, 3))


@pytest.mark.parametrize("fft", [True, False])
@pytest.mark.parametrize("ndim,space,size", [(1, GENOMICS, 50), (2, SMALL_2D, 13)])
@pytest.mark.parametrize("groups,c_in,c_out,stride", [(1, 3, 4, 1), (1, 3, 4, 2), (4, 4, 4, 1)])
def test_mixture_equals_sum_of_separate_convs(fft, ndim, space, size, groups, c_in, c_out, stride):
    torch.manual_seed(0)
    layer = MixtureConv(c_in, c_out, space, ndim, stride=stride, groups=groups, fft=fft).double()
    x = torch.randn(2, c_in, *([size] * ndim), dtype=torch.float64)
    coeffs = torch.softmax(torch.randn(len(space.candidates), dtype=torch.float64), 0)
    fast = layer(x, coeffs)
    slow = separate_convs_reference(layer, x, coeffs)
    assert fast.shape == slow.shape == (2, c_out, *([-(-size // stride)] * ndim))
    torch.testing.assert_close(fast, slow, rtol=1e-9, atol=1e-9)


def test_fft_and_direct_agree_and_backprop():
    torch.manual_seed(1)
    x = torch.randn(3, 4, 64, requires_grad=True)
    w = torch.randn(5, 4, 31, requires_grad=True)
    a, b = fft_conv(x, w), direct_conv(x, w)
    torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)
    ga = torch.autograd.grad(a.square().sum(), (x, w))
    gb = torch.autograd.grad(b.square().sum(), (x, w))
    for u, v in zip(ga, gb):
        torch.testing.assert_close(u, v, rtol=1e-3, atol=1e-3)


def test_merged_kernel_places_dilated_candidate_centred():
    layer = MixtureConv(1, 1, GENOMICS, 1)
    assert GENOMICS.extent == 71
    index = GENOMICS.candidates.index((3, 7))
    onehot = torch.zeros(len(GENOMICS.candidates))
    onehot[index] = 1
    kernel = layer.merged_kernel(onehot)[0, 0]
    taps = kernel.nonzero().squeeze(1).tolist()
    assert taps == [35 - 7, 35, 35 + 7]
    torch.testing.assert_close(kernel[taps], layer.candidate_kernel(index)[0, 0])


def test_argmax_selection_and_parameter_split():
    net = torch.nn.Sequential(MixtureConv(2, 3, GENOMICS, 1), MixtureConv(3, 3, GENOMICS, 1))
    with torch.no_grad():
        net[0].arch_logits[GENOMICS.candidates.index((9, 5))] = 5.0
        net[1].arch_logits[GENOMICS.candidates.index((3, 1))] = 5.0
    assert selected_architecture(net) == [(9, 5), (3, 1)]
    arch, weights = arch_parameters(net), weight_parameters(net)
    assert len(arch) == 2 and len(weights) == 2
    assert {id(p) for p in arch}.isdisjoint(id(p) for p in weights)


def test_gumbel_coefficients_are_a_distribution_and_eval_is_softmax():
    layer = MixtureConv(2, 2, SMALL_2D, 2)
    c1, c2 = layer.coefficients(), layer.coefficients()
    assert torch.isclose(c1.sum(), torch.tensor(1.0)) and not torch.equal(c1, c2)
    layer.eval()
    torch.testing.assert_close(layer.coefficients(), torch.softmax(layer.arch_logits, 0))


def test_arch_gradient_scaling_normalises_and_penalises_large_fields():
    layer = MixtureConv(2, 2, GENOMICS, 1)
    layer.arch_logits.grad = torch.full((20,), 3.0)
    scale_arch_gradients(layer, grad_scale=100.0)
    g = layer.arch_logits.grad
    expected = 3.0 / (100 * (3.0 * 20 ** 0.5 + 1e-8)) + 1e-5 * layer.field_sizes
    torch.testing.assert_close(g, expected)
    assert g[GENOMICS.candidates.index((11, 7))] > g[GENOMICS.candidates.index((3, 1))]


def test_fft_auto_switches_on_kernel_extent():
    assert use_fft("auto", 71, 1) and not use_fft("auto", 3, 1)
    assert use_fft(True, 3, 1) and not use_fft(False, 71, 1)


@pytest.mark.parametrize("kernels,dilations", [((4,), (1,)), ((3,), (0,)), ((), (1,))])
def test_bad_search_space(kernels, dilations):
    with pytest.raises(ConfigError):
        SearchSpace(kernels, dilations)


def test_bad_layer_config():
    with pytest.raises(ConfigError):
        MixtureConv(3, 4, GENOMICS, 3)
    with pytest.raises(ConfigError):
        MixtureConv(3, 4, GENOMICS, 1, groups=2)

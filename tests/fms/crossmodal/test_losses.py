"""OTDD and MMD against cases with known answers; gradients reach the embedder."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from sfmbench.fms.crossmodal.embedders import PatchEmbed1d
from sfmbench.fms.crossmodal.losses import OTDD, gaussian_mmd, pseudo_labels


def _labelled(n: int = 120, d: int = 6, classes: int = 3, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % classes
    centres = 3 * torch.randn(classes, d, generator=g)
    return centres[y] + 0.5 * torch.randn(n, d, generator=g), y


def test_otdd_identical_sets_near_zero_and_grows_with_shift():
    x, y = _labelled()
    otdd = OTDD(x, y, batch_size=len(x), class_size=40, seed=0)
    same = float(otdd(x, y))
    shifts = [0.5, 1.0, 2.0, 4.0]
    values = [float(otdd(x + s, y)) for s in shifts]
    assert abs(same) < 0.05 * values[0]
    assert all(a < b for a, b in zip(values, values[1:]))
    # a pure shift s along every axis: each point pays ||dx||^2 / 2 = d s^2 / 2 in features,
    # and its class pays W[c, c'] = (the same shift between class clouds) = d s^2 / 2
    d = x.shape[1]
    for s, v in zip(shifts, values):
        assert v == pytest.approx(d * s ** 2, rel=0.05)


def test_otdd_sees_labels():
    """Same features: renaming the classes costs nothing (classes are matched through W),
    labels that cut across the clusters cost more."""
    x, y = _labelled()
    otdd = OTDD(x, y, batch_size=len(x), class_size=40, seed=0)
    renamed = (y + 1) % 3
    assert abs(float(otdd(x, renamed))) < 1e-3
    scrambled = y[torch.randperm(len(y), generator=torch.Generator().manual_seed(1))]
    assert float(otdd(x, scrambled)) > 1.0


def test_source_label_distances_computed_once():
    x, y = _labelled()
    otdd = OTDD(x, y, batch_size=64, class_size=16, seed=0)
    before = otdd.source_w.clone()
    calls = []
    original = otdd._pairwise
    otdd._pairwise = lambda a, b: calls.append((a[0] is otdd.source_clouds[0],
                                                len(a[0]), len(b[0]))) or original(a, b)
    otdd(x[:30] + 1, y[:30] % 2, 2)
    assert torch.equal(before, otdd.source_w)
    # per call: source x target and target x target label distances only, never source x source
    assert sorted(calls) == [(False, 2, 2), (True, 3, 2)]


def test_otdd_gradient_reaches_the_embedder():
    x_src, y_src = _labelled(n=90, d=8)
    embedder = PatchEmbed1d(in_channels=4, length=12, dim=8, stride=3)
    otdd = OTDD(x_src, y_src, batch_size=64, class_size=16, seed=0)
    x = torch.randn(24, 4, 12)
    y = torch.arange(24) % 2
    loss = otdd(embedder(x).mean(1), y)
    loss.backward()
    grads = [p.grad for p in embedder.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert embedder.conv.weight.grad.abs().sum() > 0


def test_otdd_label_gradient_can_be_switched_off():
    x_src, y_src = _labelled(n=60, d=4)
    x = torch.randn(30, 4, requires_grad=True)
    y = torch.arange(30) % 2
    with_label = OTDD(x_src, y_src, batch_size=60, class_size=16, seed=0)
    w = with_label.label_distances(x, y, 2)
    assert w.requires_grad
    without = OTDD(x_src, y_src, batch_size=60, class_size=16, seed=0, label_gradient=False)
    assert not without.label_distances(x, y, 2).requires_grad
    without(x, y).backward()            # the feature cost still carries a gradient
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_mmd_zero_for_same_sample_and_grows():
    g = torch.Generator().manual_seed(0)
    a = torch.randn(100, 5, generator=g)
    assert float(gaussian_mmd(a, a)) == pytest.approx(0.0, abs=1e-6)
    vals = [float(gaussian_mmd(a, a + s)) for s in (0.5, 1.0, 3.0)]
    assert vals[0] < vals[1] < vals[2]


def test_pseudo_labels_cluster_targets():
    rng = np.random.default_rng(0)
    y = np.concatenate([rng.normal(0, 0.1, (50, 3)), rng.normal(5, 0.1, (50, 3))])
    labels = pseudo_labels(y, k=2)
    assert set(labels[:50]) != set(labels[50:]) and len(set(labels[:50])) == 1
    assert pseudo_labels(np.zeros(10), k=10).max() == 0   # fewer distinct targets than k

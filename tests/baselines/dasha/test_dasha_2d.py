"""DASHA in 2-D: per-dimensionality defaults, the DASH-searched segmentation UNet, and the whole
workflow through the harness on the generated image tasks (classification, multi-label,
segmentation) at the smoke budget."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from sfmbench import RunContext
from sfmbench.baselines.dasha.mixture import MixtureConv, SearchSpace, selected_architecture
from sfmbench.baselines.dasha.networks import FixedConvs, MixtureConvs, build_backbone
from sfmbench.baselines.dasha.unet import DashUNet
from sfmbench.catalog import METHODS, create_task
from sfmbench.config import make_job
from sfmbench.runner import RunSettings, run_job
from sfmbench.store import Store


def _dasha(task: str, budget: str, **params):
    job = make_job(task, "dasha", 0, budget, model_overrides=params or None)
    return METHODS.get("dasha")(create_task(task).spec, job.model_params,
                                RunContext(device="cpu", show_progress=False))


@pytest.mark.parametrize("budget", ["smoke", "cpu", "paper"])
def test_one_and_two_d_get_their_own_defaults(budget):
    one_d = _dasha("generated/dna-motif-tiny", budget)
    image = _dasha("generated/sat-cls-tiny", budget)
    seg = _dasha("generated/sat-seg-tiny", budget)
    assert (one_d.backbone, image.backbone, seg.backbone) == ("resnet1d", "wrn", "unet")
    # a 1-D mid-channel count never becomes a widen factor
    assert image.params["width"] <= 8 and one_d.params["width"] >= 8
    if budget == "paper":   # the published WRN-22-1 search, WRN-22-8 retrain, satellite grid
        assert (image.params["depth"], image.params["search_width"], image.params["width"]) \
            == (22, 1, 8)
        assert image.params["kernels"] == [3, 5, 7, 9]
        assert image.params["dilations"] == [1, 3, 7, 15]
        assert one_d.params["width"] == 128 and one_d.params["dilations"] == [1, 3, 5, 7]


def test_explicit_width_wins_over_the_backbone_default():
    assert _dasha("generated/sat-cls-tiny", "paper", width=4).params["width"] == 4


def test_unet_is_an_encoder_decoder_with_searchable_convs(one_torch_thread):
    space = SearchSpace((3, 5), (1, 2))
    net = DashUNet(3, 4, width=4, depth=2, conv=MixtureConvs(2, space))
    mixtures = [m for m in net.modules() if isinstance(m, MixtureConv)]
    assert len(mixtures) == net.n_searchable == 4 * 2 + 2
    x = torch.randn(2, 3, 13, 18)          # sides not multiples of 4: padded, then cropped
    assert net(x).shape == (2, 4, 13, 18)
    arch = selected_architecture(net)
    fixed = build_backbone("unet", 3, 4, width=8, depth=2, dropout=0.1, conv=FixedConvs(2, arch))
    convs = [m for m in fixed.modules() if isinstance(m, torch.nn.Conv2d) and
             m.kernel_size != (1, 1) and not isinstance(m, torch.nn.ConvTranspose2d)]
    assert [(c.kernel_size[0], c.dilation[0]) for c in convs] == arch
    # per-pixel output: moving an object moves the logits (no global pooling)
    fixed.eval()
    a = torch.zeros(1, 3, 16, 16)
    a[..., 2:5, 2:5] = 5.0
    b = torch.roll(a, shifts=(8, 8), dims=(-2, -1))
    with torch.no_grad():
        ya, yb = fixed(a), fixed(b)
    assert not torch.allclose(ya, yb)


@pytest.mark.parametrize("task,metric", [("generated/sat-cls-tiny", "accuracy"),
                                         ("generated/sat-multilabel-tiny", None),
                                         ("generated/sat-seg-tiny", "miou")])
def test_dasha_runs_end_to_end_on_generated_images(tmp_path, task, metric, one_torch_thread):
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    row = run_job(make_job(task, "dasha", 0, "smoke"), store,
                  RunSettings(run_dir=tmp_path, show_progress=False))
    assert row.status == "ok", row.error
    spec = create_task(task).spec
    assert row.architecture["searched"] and row.architecture["backbone"] == \
        ("unet" if spec.problem.value == "segmentation" else "wrn")
    assert len(row.architecture["layers"]) > 0
    assert np.isfinite(row.best_val_metric)
    assert np.isfinite(row.metrics[spec.primary_metric])
    preds = np.load(row.predictions_path)
    n_test = len(create_task(task).load().test)
    if spec.problem.value == "segmentation":
        assert preds.shape == (n_test, spec.num_classes, *spec.input_shape[1:])
    else:
        assert preds.shape == (n_test, spec.num_classes)

"""GeoFM segmentation: each segmenting family (resnet, vit, swin, croma) built from a tiny
config with random weights saved to a folder and loaded back through the checkpoint path; the
decoder's output shape; the frozen recipe never touching the encoder (weights and batch-norm
statistics); refusal of the families without a decoder; runs through the harness on
``generated/sat-seg-tiny`` with valid per-pixel predictions."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from sfmbench import RunContext
from sfmbench.catalog import create_task
from sfmbench.errors import ConfigError
from sfmbench.fms.satellite.geo import GeoFM
from sfmbench.fms.satellite.segmentation import FEATURE_MAPS, Segmenter, decoder_factory

from .geofm_runs import TINY_BAND_MAP as BAND_MAP
from .geofm_runs import run_geofm
from .test_croma import S2_12
from .test_croma import TINY as CROMA_TINY
from .test_croma import write_croma
from .test_geo import TINY, write_checkpoint

SEG = "generated/sat-seg-tiny"


def _checkpoint(tmp_path, family: str) -> dict:
    """Model params pointing at a tiny random checkpoint of ``family`` in a folder."""
    if family == "croma":
        folder = write_croma(tmp_path / family)
        return {"model_id": str(folder), "weights_file": "CROMA_tiny.pt", "family": "croma",
                "arch": "croma_base", "arch_kwargs": dict(CROMA_TINY), "bands": S2_12,
                "input_size": 32}
    folder, _ = write_checkpoint(tmp_path / family, family)
    arch, kwargs, bands = TINY[family]
    return {"model_id": str(folder), "weights_file": "weights.pth", "family": family,
            "arch": arch, "arch_kwargs": kwargs, "bands": bands,
            "input_size": None if family == "resnet" else 32}


def _method(spec, params, **extra):
    return GeoFM(spec, {**params, "band_map": BAND_MAP, **extra},
                 RunContext(device="cpu", show_progress=False, storage_url=None,
                            study_prefix="geo-seg"))


@pytest.mark.parametrize("family", sorted(FEATURE_MAPS))
def test_decoder_gives_per_pixel_logits(tmp_path, family, one_torch_thread):
    spec = create_task(SEG).spec
    encoder = _method(spec, _checkpoint(tmp_path, family)).load_encoder().eval()
    x = torch.randn(2, 4, 16, 16)
    with torch.no_grad():
        maps = encoder.feature_maps(x)
        assert maps and all(m.ndim == 4 and m.shape[0] == 2 for m in maps)
        model = Segmenter(encoder, decoder_factory(maps, 16, 4)()).eval()
        logits = model(x)
        # another task size: the decoder resizes its output to the input's size
        odd = model(torch.randn(1, 4, 12, 12))
    assert logits.shape == (2, 4, 16, 16) and torch.isfinite(logits).all()
    assert odd.shape == (1, 4, 12, 12)


def test_families_without_a_decoder_are_refused(tmp_path):
    folder, _ = write_checkpoint(tmp_path / "dofa", "dofa")
    arch, kwargs, bands = TINY["dofa"]
    params = {"model_id": str(folder), "weights_file": "weights.pth", "family": "dofa",
              "arch": arch, "arch_kwargs": kwargs, "bands": bands}
    spec = replace(create_task(SEG).spec, extra={"bands": ["B02", "B03", "B04", "B08"]})
    with pytest.raises(ConfigError, match="segmentation families: resnet, vit, swin, croma"):
        GeoFM(spec, params, RunContext(device="cpu", show_progress=False, storage_url=None))


def test_frozen_recipe_trains_the_decoder_only(tmp_path, one_torch_thread):
    """The resnet's weights and batch-norm running statistics stay the checkpoint's."""
    params = _checkpoint(tmp_path, "resnet")
    reference = torch.load(tmp_path / "resnet" / "weights.pth", weights_only=True)
    task = create_task(SEG)
    data = task.load()
    method = _method(task.spec, params, recipe="frozen", n_trials=1, max_epochs=2)
    method.fit(data.train, data.val)
    assert isinstance(method.model, Segmenter)
    backbone = method.model.encoder.backbone.state_dict()
    for key, value in reference.items():
        if key in backbone:
            assert torch.equal(backbone[key], value), key
    assert any("running_mean" in k for k in reference)
    decoder = method.model.decoder
    assert all(p.requires_grad for p in decoder.parameters())
    assert not any(p.requires_grad for p in method.model.encoder.parameters())
    preds = method.predict(data.test.inputs)
    assert preds.shape == (48, 4, 16, 16) and np.allclose(preds.sum(1), 1, atol=1e-5)


def _run(tmp_path, family: str, recipe: str):
    params = {**_checkpoint(tmp_path, family), "band_map": BAND_MAP, "recipe": recipe}
    if family == "resnet" and recipe == "lora":
        # resnet10t's deep stem makes ``conv1`` a Sequential (the family's default targets fit
        # resnet18/50): name the block convolutions by a regex instead
        params["lora"] = {"r": 4, "target_modules": r".*layer\d\.\d+\.conv\d"}
    return run_geofm(tmp_path, SEG, params)


def _check_row(row, recipe: str) -> None:
    assert row.status == "ok", row.error
    assert row.problem == "segmentation" and row.hyperparameters["recipe"] == recipe
    preds = np.load(row.predictions_path)
    assert preds.shape == (48, 4, 16, 16) and np.isfinite(preds).all()
    assert np.allclose(preds.sum(1), 1, atol=1e-5)
    if recipe == "full":
        assert row.params_trainable == row.params_total
    else:
        assert 0 < row.params_trainable < row.params_total


@pytest.mark.parametrize("family,recipe", [("resnet", "full"), ("resnet", "lora"),
                                           ("vit", "frozen"), ("vit", "lora"),
                                           ("swin", "frozen"), ("swin", "full"),
                                           ("croma", "frozen"), ("croma", "lora")])
def test_segmentation_runs_through_the_harness(tmp_path, family, recipe, one_torch_thread):
    _check_row(_run(tmp_path, family, recipe), recipe)


def test_planner_skips_a_configuration_whose_family_has_no_decoder():
    """One class, two configurations: the sweep plans the ResNet YAML on a segmentation task
    and skips the Scale-MAE one, saying why (instead of failing the job at fit time)."""
    from sfmbench.sweep import plan_sweep
    plan = plan_sweep(None, tasks=[SEG, "generated/sat-cls-tiny"],
                      models=["ssl4eo-resnet18-moco", "scalemae-large-rgb"], seeds=[0],
                      budget="smoke")
    planned = {(j.task, j.model) for j in plan.jobs}
    assert planned == {(SEG, "ssl4eo-resnet18-moco"),
                       ("generated/sat-cls-tiny", "ssl4eo-resnet18-moco"),
                       ("generated/sat-cls-tiny", "scalemae-large-rgb")}
    assert plan.skipped == [(SEG, "scalemae-large-rgb",
                             "its configuration does not support segmentation")]
    from sfmbench.sweep import models_for   # the hint of a refused job names only usable ones
    hint = models_for(create_task(SEG).spec)
    assert "ssl4eo-resnet18-moco" in hint and "scalemae-large-rgb" not in hint

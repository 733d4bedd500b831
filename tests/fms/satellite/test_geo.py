"""The satellite image FM families: each built from a tiny config with random weights, saved
as a state-dict file in a folder, and loaded through the path a downloaded checkpoint takes;
band mapping; the recipes through the harness on a generated image task."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from sfmbench import RunContext
from sfmbench.catalog import create_task
from sfmbench.errors import DataError, PluginError
from sfmbench.fms.satellite.geo import FAMILIES, GeoFM, band_id

from .geofm_runs import TINY_BAND_MAP, run_geofm

S2 = ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B10", "B11", "B12"]
TINY = {
    "resnet": ("resnet10t", {}, S2),
    "vit": ("vit_small_patch16_224", {"img_size": 32, "depth": 1, "embed_dim": 48,
                                      "num_heads": 3}, S2),
    "swin": ("swin_v2_b", {"embed_dim": 16, "depths": [1, 1], "num_heads": [2, 2],
                           "window_size": [4, 4]}, ["B04", "B03", "B02", "B05", "B06", "B07",
                                                    "B08", "B11", "B12"]),
    "scalemae": ("scalemae_large_patch16", {"img_size": 32, "embed_dim": 32, "depth": 1,
                                            "num_heads": 2}, ["B4", "B3", "B2"]),
    "dofa": ("dofa_base_patch16_224", {"img_size": 32, "embed_dim": 32, "depth": 1,
                                       "num_heads": 2, "dynamic_embed_dim": 16}, S2),
    "satmae": ("vit_small_patch16_224", {"img_size": 32, "depth": 1, "embed_dim": 48,
                                         "num_heads": 3}, ["B4", "B3", "B2"]),
}


def write_checkpoint(folder, family: str, seed: int = 0):
    """A tiny random model of ``family`` saved as a state dict, as torchgeo publishes them."""
    arch, kwargs, bands = TINY[family]
    torch.manual_seed(seed)
    model = FAMILIES[family].build(arch, len(bands), kwargs)
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), folder / "weights.pth")
    return folder, model


def _spec(bands=None, n_bands=None):
    from dataclasses import replace
    spec = create_task("generated/sat-cls-tiny").spec
    bands = bands if bands is not None else [f"band{i}" for i in range(spec.input_shape[0])]
    shape = (len(bands) if n_bands is None else n_bands, *spec.input_shape[1:])
    return replace(spec, input_shape=shape, extra={**spec.extra, "bands": bands})


def _method(folder, family, spec, **params):
    arch, kwargs, bands = TINY[family]
    p = {"model_id": str(folder), "weights_file": "weights.pth", "family": family, "arch": arch,
         "arch_kwargs": kwargs, "bands": bands, "input_size": 32 if family != "resnet" else None,
         **params}
    return GeoFM(spec, p, RunContext(device="cpu", show_progress=False, storage_url=None,
                                     study_prefix=f"geo-{family}"))


@pytest.mark.parametrize("family", sorted(TINY))
def test_every_family_loads_from_a_folder_and_embeds(tmp_path, family, one_torch_thread):
    folder, reference = write_checkpoint(tmp_path / family, family, seed=1)
    spec = _spec(["B02", "B03", "B04", "B08"])
    method = _method(folder, family, spec)
    encoder = method.load_encoder().eval()
    x = torch.randn(2, 4, 16, 16)
    with torch.no_grad():
        features = encoder(x)
    assert features.ndim == 2 and features.shape[0] == 2 and torch.isfinite(features).all()
    loaded = encoder.backbone.state_dict()
    for key, value in reference.state_dict().items():
        if key in loaded:
            assert torch.equal(loaded[key], value), key


def test_foreign_weights_are_refused(tmp_path):
    folder, _ = write_checkpoint(tmp_path / "vit", "vit")
    state = torch.load(folder / "weights.pth", weights_only=True)
    state["extra.weight"] = torch.zeros(1)
    torch.save(state, folder / "weights.pth")
    with pytest.raises(PluginError, match="unexpected"):
        _method(folder, "vit", _spec(S2)).load_encoder()


def test_band_mapping_is_explicit(tmp_path):
    folder, _ = write_checkpoint(tmp_path / "r", "resnet")
    method = _method(folder, "resnet", _spec(["B04", "B03", "B02", "B8a"]))
    index, _ = method.band_mapping()
    # model channels B1..B12: B2 <- task 2, B3 <- 1, B4 <- 0, B8A <- 3, the rest zero-filled
    assert index[S2.index("B2")] == 2 and index[S2.index("B4")] == 0
    assert index[S2.index("B8A")] == 3 and index[S2.index("B1")] is None
    assert band_id("B02") == "B2" and band_id("b8a") == "B8A"
    strict = _method(folder, "resnet", _spec(["B04", "B03", "B02", "B8a"]),
                     missing_bands="error")
    with pytest.raises(DataError, match="lacks the model's band"):
        strict.band_mapping()
    mapped = _method(folder, "resnet", _spec(["red", "x", "y", "z"]), band_map={"B4": "red"})
    assert mapped.band_mapping()[0][S2.index("B4")] == 0
    unnamed = _method(folder, "resnet", _spec([], n_bands=4))
    with pytest.raises(DataError, match="names no bands"):
        unnamed.band_mapping()


@pytest.mark.parametrize("recipe", ["frozen", "full", "lora"])
def test_recipes_run_through_the_harness(tmp_path, recipe, one_torch_thread):
    folder, _ = write_checkpoint(tmp_path / "vit", "vit")
    arch, kwargs, bands = TINY["vit"]
    params = {"model_id": str(folder), "weights_file": "weights.pth", "family": "vit",
              "arch": arch, "arch_kwargs": kwargs, "bands": bands, "input_size": 32,
              "band_map": TINY_BAND_MAP, "recipe": recipe}
    row = run_geofm(tmp_path, "generated/sat-cls-tiny", params)
    assert row.status == "ok", row.error
    preds = np.load(row.predictions_path)
    assert preds.shape == (48, 4) and np.allclose(preds.sum(1), 1, atol=1e-5)
    assert row.kind == "fm" and row.hyperparameters["recipe"] == recipe
    if recipe == "frozen":
        assert row.params_trainable < row.params_total


def test_band_selection_strings_of_geobench_tasks(tmp_path):
    """GEO-Bench specs give ``bands`` as a selection string, never as letters to iterate."""
    from sfmbench.fms.satellite.geo import task_band_names
    assert task_band_names("rgb") == ["B4", "B3", "B2"]
    assert task_band_names("all") == [] and task_band_names(None) == []
    assert task_band_names("B02, B8A") == ["B02", "B8A"] and task_band_names(("B1",)) == ["B1"]
    folder, _ = write_checkpoint(tmp_path / "r", "resnet")
    rgb = _method(folder, "resnet", _spec("rgb", n_bands=3))
    index, _ = rgb.band_mapping()
    assert (index[S2.index("B4")], index[S2.index("B3")], index[S2.index("B2")]) == (0, 1, 2)
    assert index[S2.index("B8")] is None


def test_bands_of_other_sensors_stand_in_for_sentinel2_bands():
    """Aerial R, G, B, NIR feed an S2 model's B4, B3, B2, B8; Landsat-8 likewise; a band with
    no stand-in is left for the missing-band rule."""
    from sfmbench.fms.satellite.geo import source_band
    aerial, landsat = ["R", "G", "B", "NIR"], ["L8_B2", "L8_B3", "L8_B4", "L8_B5"]
    assert [source_band(b, aerial) for b in ("B4", "B3", "B2", "B8")] == aerial[:3] + ["NIR"]
    assert [source_band(b, landsat) for b in ("B4", "B8")] == ["L8_B4", "L8_B5"]
    assert source_band("B11", aerial) == "B11" and source_band("B4", ["B4", "R"]) == "B4"


def test_dofa_takes_the_optical_landsat_bands_and_skips_the_thermal_ones(tmp_path):
    """DOFA is conditioned on wavelengths it was pretrained on (0.4-2.5 um): a Landsat-8 task's
    optical bands feed it with their own wavelengths, the thermal bands (10.9, 12.0 um) do not."""
    bands = ["L8_B2", "L8_B3", "L8_B4", "L8_B5", "L8_B10", "L8_B11"]
    method = _method(tmp_path, "dofa", _spec(bands))
    index, wavelengths = method.band_mapping()
    assert index == [0, 1, 2, 3] and wavelengths == [0.482, 0.562, 0.655, 0.865]

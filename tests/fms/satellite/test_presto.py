"""Presto: the model loads published-layout checkpoints strictly; the adapter's recipes run
through the harness on Presto-format task arrays; the real weights and algae-bloom data load."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from sfmbench import RunContext
from sfmbench.errors import ConfigError, PluginError
from sfmbench.fms.satellite.presto import PrestoFM, load_presto, save_presto
from sfmbench.fms.satellite.presto_model import NORMED_BANDS, Presto, PrestoConfig
from sfmbench.tasks.satellite.presto import PrestoTask, presto_normalize
from tests.fms.satellite.presto_fixtures import TINY_CONFIG, write_presto_task, write_tiny_presto


def _inputs(n: int = 3, t: int = 12, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(n, t, len(NORMED_BANDS), generator=g),
            torch.randint(0, 10, (n, t), generator=g), torch.rand(n, 2, generator=g) * 40,
            torch.randint(0, 12, (n, t), generator=g))


def test_tiny_checkpoint_round_trips_through_the_published_layout(tmp_path):
    folder = write_tiny_presto(tmp_path / "ckpt", seed=3)
    assert (folder / "config" / "default.json").is_file()
    assert (folder / "data" / "default_model.pt").is_file()
    torch.manual_seed(3)
    reference = Presto(PrestoConfig(**TINY_CONFIG)).eval()
    loaded = load_presto(folder)
    x, dw, latlon, month = _inputs()
    with torch.no_grad():
        assert torch.allclose(loaded.encoder(x, dw, latlon, month=month),
                              reference.encoder(x, dw, latlon, month=month))
        bands, classes = loaded(x, dw, latlon, month=month)
    assert bands.shape == (3, 12, len(NORMED_BANDS)) and classes.shape == (3, 12, 9)


def test_masked_tokens_do_not_change_the_encoding(tmp_path):
    model = load_presto(write_tiny_presto(tmp_path / "ckpt"))
    x, dw, latlon, month = _inputs(n=2)
    mask = torch.zeros_like(x)
    mask[:, 5:] = 1                    # every band of the last 7 months is masked
    x2 = x.clone()
    x2[:, 5:] = 100.0                  # so their values must not matter
    dw2 = dw.clone()
    dw2[:, 5:] = 9                     # Dynamic World "missing" is masked too
    dw[:, 5:] = 9
    with torch.no_grad():
        a = model.encoder(x, dw, latlon, mask=mask, month=month)
        b = model.encoder(x2, dw2, latlon, mask=mask, month=month)
    assert torch.allclose(a, b, atol=1e-6)


def test_strict_loading_refuses_foreign_or_incomplete_weights(tmp_path):
    folder = write_tiny_presto(tmp_path / "ckpt")
    weights = folder / "data" / "default_model.pt"
    state = torch.load(weights, weights_only=True)
    state["encoder.extra.weight"] = torch.zeros(1)
    del state["decoder.mask_token"]
    torch.save(state, weights)
    with pytest.raises(PluginError, match="missing.*decoder.mask_token.*unexpected.*extra"):
        load_presto(folder)
    (folder / "config" / "default.json").unlink()
    with pytest.raises(ConfigError, match="no Presto config"):
        load_presto(folder)


def test_task_applies_presto_normalization_and_published_splits(tmp_path):
    write_presto_task(tmp_path, "algae-blooms", n=200)
    task = PrestoTask("satellite/presto-algae-blooms", dataset="algae-blooms", root=str(tmp_path))
    data = task.load()
    folder = tmp_path / "presto" / "data" / "algae_blooms" / "npy"
    raw, latlon = np.load(folder / "s1_s2_era5_srtm.npy"), np.load(folder / "latlon.npy")
    is_test = np.load(folder / "is_test.npy").astype(bool)
    lat, lon = latlon[:, 0], latlon[:, 1]
    val = ~is_test & (lat > 42.5) & (lon < -92.5)
    assert len(data.test) == is_test.sum() and len(data.val) == val.sum()
    assert len(data.train) == (~is_test & ~val).sum()
    np.testing.assert_array_equal(data.test.targets, np.load(folder / "target.npy")[is_test])
    x = presto_normalize(raw)
    assert x.shape[-1] == 17
    np.testing.assert_allclose(data.train.x[:, :17].transpose(0, 2, 1), x[~is_test & ~val],
                               rtol=1e-6)
    # VV: (raw + 25) / 25; B2: raw / 1e4; NDVI recomputed from normalized B8 and B4
    np.testing.assert_allclose(x[..., 0], (raw[..., 0] + 25) / 25, rtol=1e-5)
    np.testing.assert_allclose(x[..., 2], raw[..., 2] / 1e4, rtol=1e-5)
    spec = task.spec
    assert spec.input_shape == (21, 12) and spec.primary_metric == "rmse"
    assert not spec.higher_is_better and {"r2", "mae"} <= set(spec.metrics)


def test_fuel_moisture_validation_sites_are_seeded_and_disjoint(tmp_path):
    write_presto_task(tmp_path, "fuel-moisture", n=240)
    sites = np.load(tmp_path / "presto/data/fuel_moisture/npy/site.npy")
    task = PrestoTask("satellite/presto-fuel-moisture", dataset="fuel-moisture",
                      root=str(tmp_path))
    arrays = task._read()
    train = ~arrays["is_test"].astype(bool)
    val = task.val_mask(arrays, train)
    assert len(np.unique(sites[val])) == 8
    assert not set(sites[val]) & set(sites[train & ~val])
    np.testing.assert_array_equal(val, task.val_mask(arrays, train))
    assert task.load().train.x.shape[1:] == (21, 3)


def test_missing_arrays_name_the_folder(tmp_path):
    task = PrestoTask("satellite/presto-algae-blooms", dataset="algae-blooms", root=str(tmp_path))
    with pytest.raises(Exception, match="algae_blooms/npy"):
        task.load()


def _fit(tmp_path, **params):
    write_presto_task(tmp_path, "algae-blooms", n=160)
    task = PrestoTask("satellite/presto-algae-blooms", dataset="algae-blooms", root=str(tmp_path))
    data = task.load()
    ckpt = write_tiny_presto(tmp_path / "ckpt")
    ctx = RunContext(seed=0, device="cpu", storage_url=None, show_progress=False,
                     study_prefix=f"presto-{params.get('recipe')}-{params.get('head')}")
    method = PrestoFM(task.spec, {"model_id": str(ckpt), "n_trials": 2, "max_epochs": 2,
                                  "retrain_epochs": 2, **params}, ctx)
    report = method.fit(data.train, data.val)
    preds = method.predict(data.test.inputs)
    return method, report, preds, data


@pytest.mark.parametrize("recipe,head", [("frozen", "linear"), ("frozen", "random_forest"),
                                         ("full", "linear"), ("lora", "linear")])
def test_recipes_fit_on_validation_and_predict(tmp_path, recipe, head, one_torch_thread):
    method, report, preds, data = _fit(tmp_path, recipe=recipe, head=head)
    assert preds.shape == data.test.targets.shape and np.isfinite(preds).all()
    assert np.isfinite(report.best_val_metric) and report.n_trials == 2
    assert report.hyperparameters["recipe"] == recipe
    trainable, total = method.parameter_count()
    if recipe == "frozen":
        assert trainable == 0
    elif recipe == "full":
        assert 0 < trainable < total     # fixed position and month tables stay frozen
    else:
        names = [n for n, p in method.model.named_parameters() if p.requires_grad]
        assert names and all("lora_" in n or n.startswith("head.") for n in names)


def test_presto_only_claims_presto_normalized_tasks(tmp_path):
    from dataclasses import replace
    spec = PrestoTask("t", dataset="algae-blooms", root=str(tmp_path)).spec
    assert PrestoFM.supports(spec)
    assert not PrestoFM.supports(replace(spec, extra={**spec.extra, "normalization": "zscore"}))


@pytest.mark.shared_data
def test_published_weights_load_strictly(shared_data, monkeypatch):
    folder = shared_data / "presto"
    model = load_presto(folder)
    state = torch.load(folder / "data" / "default_model.pt", map_location="cpu",
                       weights_only=True)
    assert set(model.state_dict()) == set(state)
    for key, value in model.state_dict().items():
        assert torch.equal(value, state[key]), key
    # the adapter's default model_id reads the data cache, checksum-pinned
    monkeypatch.setenv("SFMBENCH_DATA", str(shared_data))
    from sfmbench.fms.satellite.presto import published_folder
    assert published_folder() == shared_data / "presto"


@pytest.mark.shared_data
def test_real_algae_bloom_splits(shared_data, monkeypatch):
    monkeypatch.setenv("SFMBENCH_DATA", str(shared_data))
    data = PrestoTask("satellite/presto-algae-blooms", dataset="algae-blooms").load()
    assert (len(data.train), len(data.val), len(data.test)) == (713, 64, 345)
    assert set(np.unique(data.train.y)) <= {1, 2, 3, 4, 5}
    assert np.isfinite(data.train.x).all() and data.train.x.shape[1:] == (21, 12)

"""GeoFM on GEO-Bench fixture tasks (files in GEO-Bench's exact format): the task's spec names
its bands, so the model maps them by name with no ``model.band_map``, and reports the mapping."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

pytest.importorskip("h5py")

from sfmbench import RunContext  # noqa: E402
from sfmbench.catalog import create_task  # noqa: E402
from sfmbench.fms.satellite.geo import GeoFM  # noqa: E402

from ...tasks.satellite.make_geobench_fixtures import write_all  # noqa: E402
from .test_geo import S2, TINY, write_checkpoint  # noqa: E402


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("geobench")
    write_all(out)
    return out


def _task(name: str, root: Path) -> Any:
    return create_task(f"satellite/{name}", {"root": str(root), "download": False})


def _method(folder: Path, family: str, spec: Any, **params: Any) -> GeoFM:
    arch, kwargs, bands = TINY[family]
    p = {"model_id": str(folder), "weights_file": "weights.pth", "family": family, "arch": arch,
         "arch_kwargs": kwargs, "bands": bands, "input_size": 32, "n_trials": 1,
         "max_epochs": 1, "retrain_epochs": 1, "batch_size": 4, "eval_batch_size": 8, **params}
    return GeoFM(spec, p, RunContext(device="cpu", show_progress=False, storage_url=None,
                                     study_prefix=f"geobench-{family}"))


def test_thirteen_band_model_maps_by_name_and_reports_it(tmp_path, root, one_torch_thread):
    task = _task("m-eurosat", root)
    folder, _ = write_checkpoint(tmp_path / "vit", "vit")
    method = _method(folder, "vit", task.spec)
    assert "band_map" not in method.params or not method.params["band_map"]
    index, _ = method.band_mapping()
    assert index == list(range(13))                         # B1..B12, B8A, all by name
    data = task.load()
    report = method.fit(data.train, data.val)
    assert report.extra["band_map"] == {b: b for b in S2}
    with torch.no_grad():
        assert method.predict(data.test.inputs).shape == (3, 10)


def test_models_take_their_bands_from_an_aerial_rgbn_task(tmp_path, root):
    spec = _task("m-chesapeake-landcover", root).spec        # R, G, B, NIR
    rgb = _method(tmp_path, "vit", spec, bands=["B4", "B3", "B2"])   # an RGB-pretrained ViT
    assert rgb.mapped_bands(rgb.band_mapping()[0]) == {"B4": "R", "B3": "G", "B2": "B"}
    folder, _ = write_checkpoint(tmp_path / "r", "resnet")   # 13 Sentinel-2 bands
    s2 = _method(folder, "resnet", spec, input_size=None)
    mapped = s2.mapped_bands(s2.band_mapping()[0])
    # the aerial NIR band stands in for S2's B8 (sfmbench.codecs.bands)
    assert (mapped["B4"], mapped["B3"], mapped["B2"], mapped["B8"]) == ("R", "G", "B", "NIR")


def test_croma_skips_the_cirrus_band_of_a_geobench_task(tmp_path, root):
    from .test_croma import S2_12, _method as croma_method, write_croma

    folder = write_croma(tmp_path / "croma")
    method = croma_method(folder, _task("m-eurosat", root).spec)
    assert method.band_mapping()[0] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12]
    assert method.mapped_bands(method.band_mapping()[0]) == {b: b for b in S2_12}

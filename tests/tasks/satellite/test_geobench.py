"""GEO-Bench tasks read fixture files written in GEO-Bench's exact format by
``make_geobench_fixtures.py``, through the real loader."""
from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("h5py")

from sfmbench.catalog import create_task, task_names  # noqa: E402
from sfmbench.errors import DataError  # noqa: E402

from .make_geobench_fixtures import write_all  # noqa: E402


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    root = tmp_path_factory.mktemp("geobench")
    return root, write_all(root)


def _load(name: str, root: Path, **kw: Any):
    return create_task(f"satellite/{name}", {"root": str(root), "download": False, **kw}).load()


def _expected(root: Path, bench: str, folder: str, labels: dict[str, Any], split: str,
              partition: str = "default") -> np.ndarray:
    part = json.loads((root / bench / folder / f"{partition}_partition.json").read_text())
    return np.stack([np.asarray(labels[n]) for n in part[split]])


def test_every_geobench_task_is_registered() -> None:
    names = task_names("satellite/m-*")
    assert len(names) == 12
    for n in names:
        spec = create_task(n).spec   # cheap: no data needed
        assert spec.primary_metric in {"accuracy", "f1_micro", "miou"}
        assert spec.source and spec.license and spec.splits


def test_classification_loads_with_labels_and_train_normalization(fixtures) -> None:
    root, labels = fixtures
    data = _load("m-eurosat", root)
    assert data.train.x.shape == (6, 13, 64, 64) and data.val.x.shape == (3, 13, 64, 64)
    exp = labels["m-eurosat"]
    np.testing.assert_array_equal(data.train.y, _expected(root, "classification_v1.0",
                                                          "m-eurosat", exp, "train"))
    np.testing.assert_array_equal(data.test.targets, _expected(root, "classification_v1.0",
                                                               "m-eurosat", exp, "test"))
    # per-band statistics of the training split: train is standardized, val/test use them
    norm = data.info["normalization"]
    assert norm["fitted_on"] == "train" and len(norm["mean"]) == 13
    np.testing.assert_allclose(data.train.x.mean(axis=(0, 2, 3)), 0, atol=1e-4)
    np.testing.assert_allclose(data.train.x.std(axis=(0, 2, 3)), 1, atol=1e-3)
    assert abs(data.val.x.mean(axis=(0, 2, 3))).max() > 1e-3   # not re-fitted on validation
    # band k was written around 1000 + 100 k
    np.testing.assert_allclose(norm["mean"], 1000 + 100 * np.arange(13), rtol=0.01)
    assert data.train.augment is not None and data.val.augment is None


def test_multilabel_and_segmentation(fixtures) -> None:
    root, labels = fixtures
    ml = _load("m-bigearthnet", root)
    assert ml.train.x.shape == (6, 12, 120, 120) and ml.train.y.shape == (6, 43)
    np.testing.assert_array_equal(ml.train.y, _expected(
        root, "classification_v1.0", "m-bigearthnet", labels["m-bigearthnet"], "train"))
    seg = _load("m-chesapeake-landcover", root, bands="Red,Green,Blue")
    assert seg.train.x.shape == (6, 3, 256, 256) and seg.train.y.shape == (6, 256, 256)
    np.testing.assert_array_equal(seg.val.y, _expected(
        root, "segmentation_v1.0", "m-chesapeake-landcover", labels["m-chesapeake-landcover"],
        "valid"))
    assert seg.train.augment.segmentation


def test_label_efficiency_partition(fixtures) -> None:
    root, _ = fixtures
    full = _load("m-eurosat", root)
    part = _load("m-eurosat", root, partition="0.50x_train")
    assert len(part.train) == 3 and len(part.val) == len(full.val) == 3
    np.testing.assert_array_equal(part.test.targets, full.test.targets)
    with pytest.raises(DataError, match="(?s)0.10x_train.*available: 0.50x_train, default"):
        _load("m-eurosat", root, partition="0.10x_train")


def test_malicious_sample_is_refused(fixtures, tmp_path: Path) -> None:
    import shutil

    import h5py

    src_root, _ = fixtures
    root = tmp_path / "gb"
    shutil.copytree(src_root / "classification_v1.0" / "m-eurosat",
                    root / "classification_v1.0" / "m-eurosat")
    part = json.loads((root / "classification_v1.0/m-eurosat/default_partition.json").read_text())
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            import os
            return (os.system, (f"touch {marker}",))

    with h5py.File(root / "classification_v1.0/m-eurosat" / f"{part['valid'][0]}.hdf5", "a") as fp:
        fp.attrs["pickle"] = str(pickle.dumps({"bands_order": [], "label": Exploit()}))
    with pytest.raises(DataError, match="refusing to unpickle"):
        _load("m-eurosat", root)
    assert not marker.exists()


def test_missing_dataset_names_the_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError) as err:
        _load("m-so2sat", tmp_path)
    assert str(tmp_path / "classification_v1.0") in str(err.value)
    assert str(tmp_path / "classification_v1.0" / "m-so2sat") in (err.value.hint or "")


def test_download_failure_names_the_folder(tmp_path: Path, monkeypatch) -> None:
    from sfmbench.tasks.satellite import geobench

    def offline(ds):
        raise DataError("cannot list the Hugging Face hub: offline")
    monkeypatch.setattr(geobench, "_remote_files", offline)
    with pytest.raises(DataError, match="downloading it failed") as err:
        create_task("satellite/m-brick-kiln", {"root": str(tmp_path)}).load()
    assert str(tmp_path / "classification_v1.0" / "m-brick-kiln") in (err.value.hint or "")


def test_flat_zip_extraction_stays_in_target(tmp_path: Path) -> None:
    import zipfile

    from sfmbench.tasks.satellite.geobench import extract_flat

    archive = tmp_path / "d.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("m-x/a.hdf5", b"1")
        zf.writestr("../../evil.json", b"2")
    out = tmp_path / "out"
    assert extract_flat(archive, out) == 2
    assert sorted(p.name for p in out.iterdir()) == ["a.hdf5", "evil.json"]
    assert not (tmp_path.parent / "evil.json").exists()


def test_download_verifies_and_unpacks(fixtures, tmp_path: Path, monkeypatch) -> None:
    """A missing dataset is fetched (over HTTP, checksum-verified) and unpacked flat into its
    folder; a wrong checksum is refused and leaves no dataset behind."""
    import functools
    import hashlib
    import http.server
    import threading
    import zipfile

    from sfmbench.tasks.satellite import geobench

    src_root, _ = fixtures
    served = tmp_path / "served"
    served.mkdir()
    archive = served / "m-eurosat.zip"
    with zipfile.ZipFile(archive, "w") as zf:   # the release zips hold the dataset folder
        for f in sorted((src_root / "classification_v1.0" / "m-eurosat").iterdir()):
            zf.write(f, f"m-eurosat/{f.name}")
    sha = hashlib.sha256(archive.read_bytes()).hexdigest()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/m-eurosat.zip"
    try:
        bad = tmp_path / "bad"
        monkeypatch.setattr(geobench, "_remote_files", lambda ds: [("m-eurosat.zip", url,
                                                                     "0" * 64)])
        with pytest.raises(DataError, match="checksum"):
            create_task("satellite/m-eurosat", {"root": str(bad)}).load()
        assert not (bad / "classification_v1.0" / "m-eurosat").exists()
        good = tmp_path / "good"
        monkeypatch.setattr(geobench, "_remote_files", lambda ds: [("m-eurosat.zip", url, sha)])
        data = create_task("satellite/m-eurosat", {"root": str(good)}).load()
    finally:
        server.shutdown()
    assert data.train.x.shape == (6, 13, 64, 64)
    folder = good / "classification_v1.0" / "m-eurosat"
    assert (folder / "default_partition.json").is_file()
    assert not (good / "classification_v1.0" / "m-eurosat.zip").exists()


@pytest.mark.parametrize("change", ["overlap", "path", "not_a_dict"])
def test_a_bad_partition_file_is_refused(fixtures, tmp_path: Path, change: str) -> None:
    """A test sample listed in train (a leak), a name with a path in it, or a JSON list."""
    import shutil

    src_root, _ = fixtures
    root = tmp_path / "gb"
    folder = root / "classification_v1.0" / "m-eurosat"
    shutil.copytree(src_root / "classification_v1.0" / "m-eurosat", folder)
    path = folder / "default_partition.json"
    part = json.loads(path.read_text())
    if change == "overlap":
        part["train"].append(part["test"][0])
    elif change == "path":
        part["train"][0] = "../../" + part["train"][0]
    else:
        part = [part["train"], part["valid"], part["test"]]
    path.write_text(json.dumps(part))
    match = {"overlap": "in both 'train' and 'test'", "path": "not file names",
             "not_a_dict": "lacks the split list"}[change]
    with pytest.raises(DataError, match=match):
        _load("m-eurosat", root)


S2_13 = ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B10", "B11", "B12"]


def _spec(name: str, root: Path, **kw: Any):
    return create_task(f"satellite/{name}", {"root": str(root), "download": False, **kw}).spec


def test_spec_carries_canonical_band_names_read_from_the_files(fixtures, monkeypatch) -> None:
    """bands=all: the spec names every channel (Sentinel-2 ids, aerial colours), read from one
    sample file's metadata; no pixels are loaded for it."""
    from sfmbench.tasks.satellite import geobench_io

    root, _ = fixtures

    def no_pixels(*a: Any, **k: Any) -> None:
        raise AssertionError("the spec must not load samples")
    monkeypatch.setattr(geobench_io, "read_sample", no_pixels)
    spec = _spec("m-eurosat", root)
    assert spec.extra["bands"] == S2_13 and spec.input_shape[0] == 13
    assert spec.extra["band_names_from"].startswith("files (m-eurosat_")
    assert spec.extra["geobench_bands"][8] == "08A - Vegetation Red Edge"
    assert spec.extra["band_selection"] == "all"
    assert _spec("m-bigearthnet", root).extra["bands"] == [b for b in S2_13 if b != "B10"]
    assert _spec("m-chesapeake-landcover", root).extra["bands"] == ["R", "G", "B", "NIR"]


def test_band_selection_by_either_name(fixtures) -> None:
    root, _ = fixtures
    assert _spec("m-eurosat", root, bands="rgb").extra["bands"] == ["B4", "B3", "B2"]
    spec = _spec("m-eurosat", root, bands="B02,08A - Vegetation Red Edge,b12")
    assert spec.extra["bands"] == ["B2", "B8A", "B12"] and spec.input_shape[0] == 3
    assert _spec("m-chesapeake-landcover", root, bands="rgb").extra["bands"] == ["R", "G", "B"]
    assert _spec("m-chesapeake-landcover", root,
                 bands="NIR,Red").extra["geobench_bands"] == ["NearInfrared", "Red"]
    data = _load("m-eurosat", root, bands="B8A,B4")
    assert data.train.x.shape == (6, 2, 64, 64)
    assert data.info["normalization"]["bands"] == ["B8A", "B4"]
    # band k was written around 1000 + 100 k: B8A is band 8, B4 band 3
    np.testing.assert_allclose(data.info["normalization"]["mean"], [1800, 1300], rtol=0.01)
    with pytest.raises(DataError, match="(?s)not in this dataset.*08A - Vegetation Red Edge"):
        _spec("m-eurosat", root, bands="VV")


def test_loaded_bands_agree_with_the_spec(fixtures) -> None:
    root, _ = fixtures
    task = create_task("satellite/m-chesapeake-landcover", {"root": str(root),
                                                           "download": False})
    spec = task.spec
    data = task.load()
    assert data.info["bands"] == spec.extra["bands"] == ["R", "G", "B", "NIR"]
    assert data.info["geobench_bands"] == ["Red", "Green", "Blue", "NearInfrared"]


def test_specs_name_their_bands_without_data(tmp_path: Path) -> None:
    """Before a download the catalog's declaration (from GEO-Bench's converters) names the
    bands; its channel count is the catalog's band count for every dataset."""
    from sfmbench.tasks.satellite.catalog import GEOBENCH

    for ds in GEOBENCH:
        spec = _spec(ds.name, tmp_path)
        assert spec.extra["band_names_from"].startswith("catalog")
        assert len(spec.extra["bands"]) == spec.input_shape[0] == ds.bands, ds.name
    so2sat = _spec("m-so2sat", tmp_path).extra["bands"]
    assert so2sat[:2] == ["VH_REAL", "VH_IMAG"] and so2sat[8:] == [
        "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B11", "B12"]
    assert "VV" not in so2sat      # the complex / Lee-filtered S1 bands are not plain VV, VH
    assert _spec("m-forestnet", tmp_path).extra["bands"] == [
        "L8_B4", "L8_B3", "L8_B2", "L8_B5", "L8_B6", "L8_B7"]
    assert _spec("m-pv4ger", tmp_path).extra["bands"] == ["R", "G", "B"]
    assert _spec("m-cashew-plantation", tmp_path).extra["bands"][-1] == "Cloud Probability"
    neon = _spec("m-NeonTree", tmp_path, bands="all").extra["bands"]
    assert neon[:4] == ["R", "G", "B", "Canopy Height Model"] and neon[-1] == "Neon_368"


def test_canonical_names_follow_the_sensor() -> None:
    """The same GEO-Bench name is a different band on another sensor."""
    from sfmbench.tasks.satellite.geobench_bands import canonical_name

    assert canonical_name("05 - Vegetation Red Edge", "Sentinel2") == "B5"
    assert canonical_name("08A - Vegetation Red Edge", "Sentinel2") == "B8A"
    assert canonical_name("05 - NIR", "Landsat8") == "L8_B5"
    assert canonical_name("Red", "SpectralBand") == "R"
    assert canonical_name("NearInfrared", "SpectralBand") == "NIR"
    assert canonical_name("VV", "Sentinel1") == "VV"
    assert canonical_name("06 - VV.LEE Filtered", "Sentinel1") == "VV_LEE"
    assert canonical_name("Cloud Probability", "CloudProbability") == "Cloud Probability"
    assert canonical_name("02 - Blue") == "02 - Blue"   # no band-info class: name kept


def test_date_suffixed_bands_keep_their_dates(tmp_path: Path) -> None:
    """Time-series datasets store ``{name}_{date}`` datasets; each band-info record names the
    band without the date: the first date takes the canonical name, later ones keep their date."""
    from sfmbench.tasks.satellite.geobench_io import read_band_names, read_sample

    from .make_geobench_fixtures import _write_sample, geobench_modules

    with geobench_modules() as c:
        red = c["geobench.dataset"]["Sentinel2"](name="04 - Red", alt_names=(),
                                                 spatial_resolution=10.0, wavelength=0.665)
        keys = ["04 - Red_2019-06-01", "04 - Red_2019-07-01"]
        _write_sample(tmp_path / "s.hdf5", {k: np.zeros((4, 4), np.int16) for k in keys},
                      {k: red for k in keys}, 1, None)
    names = read_band_names(tmp_path / "s.hdf5")
    assert names == {"04 - Red": ["B4"], "04 - Red_2019-07-01": ["B4_2019-07-01"]}
    assert list(read_sample(tmp_path / "s.hdf5").bands) == list(names)

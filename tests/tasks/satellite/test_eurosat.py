"""EuroSAT-MS through torchgeo's dataset class, on GeoTIFFs written in its folder layout."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sfmbench.catalog import create_task
from sfmbench.errors import DataError

CLASSES = ["AnnualCrop", "Forest", "HerbaceousVegetation", "Highway", "Industrial", "Pasture",
           "PermanentCrop", "Residential", "River", "SeaLake"]


def _write_eurosat(root: Path) -> dict[str, list[tuple[str, int]]]:
    import rasterio
    from affine import Affine
    from torchgeo.datasets import EuroSAT

    rng = np.random.default_rng(0)
    base = root / EuroSAT.base_dir
    splits: dict[str, list[tuple[str, int]]] = {"train": [], "val": [], "test": []}
    for k, cls in enumerate(CLASSES):
        (base / cls).mkdir(parents=True)
        for i, split in enumerate(("train", "train", "val", "test")):
            name = f"{cls}_{i + 1}"
            data = rng.integers(500 + 10 * k, 1500, (13, 64, 64)).astype(np.uint16)
            with rasterio.open(base / cls / f"{name}.tif", "w", driver="GTiff", width=64,
                               height=64, count=13, dtype="uint16", crs="EPSG:32633",
                               transform=Affine(10.0, 0.0, 5e5, 0.0, -10.0, 4e6)
                               ) as dst:
                dst.write(data)
            splits[split].append((name, k))
    for split, items in splits.items():   # torchgeo's split lists name the files as .jpg
        (root / f"eurosat-{split}.txt").write_text("".join(f"{n}.jpg\n" for n, _ in items))
    return splits


def test_eurosat_ms_loads_13_bands(tmp_path: Path) -> None:
    pytest.importorskip("torchgeo")
    splits = _write_eurosat(tmp_path)
    task = create_task("satellite/eurosat-ms", {"root": str(tmp_path), "download": False})
    assert task.spec.input_shape == (13, 64, 64) and task.spec.num_classes == 10
    data = task.load()
    assert data.train.x.shape == (20, 13, 64, 64) and len(data.val) == len(data.test) == 10
    assert sorted(data.train.y.tolist()) == sorted(k for _, k in splits["train"])
    np.testing.assert_allclose(data.train.x.mean(axis=(0, 2, 3)), 0, atol=1e-4)
    assert data.train.augment is not None and data.val.augment is None


def test_eurosat_missing_names_the_folder(tmp_path: Path) -> None:
    pytest.importorskip("torchgeo")
    with pytest.raises(DataError) as err:
        create_task("satellite/eurosat-ms", {"root": str(tmp_path), "download": False}).load()
    assert str(tmp_path) in str(err.value)

"""Fixture generator: Presto task arrays and tiny Presto checkpoints in their published formats.

``write_presto_task(root, dataset)`` writes ``<root>/presto/data/<task>/npy/*.npy`` exactly as
Presto's evaluation code reads them (raw S1/S2/ERA5/SRTM/NDVI values, Dynamic World classes,
months, lat/lon, target, is_test; fuel moisture also site), with a target planted in the NDVI
so that methods can learn it. ``write_tiny_presto(folder)`` saves a randomly initialised Presto
of a tiny config in the published layout (``config/default.json``, ``data/default_model.pt``).
Run ``python tests/fms/satellite/presto_fixtures.py OUT_DIR`` to write both.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

TINY_CONFIG = {"encoder_embedding_size": 16, "channel_embed_ratio": 0.25,
               "month_embed_ratio": 0.25, "encoder_depth": 1, "mlp_ratio": 2,
               "encoder_num_heads": 2, "decoder_embedding_size": 16, "decoder_depth": 1,
               "decoder_num_heads": 2}
FOLDERS = {"algae-blooms": ("algae_blooms", 12), "fuel-moisture": ("fuel_moisture", 3)}


def write_presto_task(root: Path | str, dataset: str = "algae-blooms", n: int = 160,
                      seed: int = 0) -> Path:
    """Presto's npy arrays for ``dataset`` under ``root``; returns the npy folder."""
    folder_name, t = FOLDERS[dataset]
    rng = np.random.default_rng(seed)
    folder = Path(root) / "presto" / "data" / folder_name / "npy"
    folder.mkdir(parents=True, exist_ok=True)
    raw = np.empty((n, t, 18))
    raw[..., :2] = rng.uniform(-25, -2, (n, t, 2))                  # VV, VH (dB)
    raw[..., 2:13] = rng.uniform(200, 4000, (n, t, 11))             # S2 reflectance x 1e4
    raw[..., 13] = rng.uniform(260, 300, (n, t))                    # temperature (K)
    raw[..., 14] = rng.uniform(0, 0.01, (n, t))                     # precipitation (m)
    raw[..., 15:17] = rng.uniform([100, 0], [1500, 10], (n, 2))[:, None]   # static SRTM
    b8, b4 = raw[..., 8], raw[..., 4]
    raw[..., 17] = (b8 - b4) / (b8 + b4)
    signal = raw[..., 17].mean(1)
    if dataset == "algae-blooms":
        target = np.clip(np.round(3 + 4 * signal + rng.normal(0, 0.3, n)), 1, 5).astype(np.int64)
        lat = rng.uniform(36, 45, n)
        lon = rng.uniform(-101, -89, n)
        is_test = ((lon > -93) & (lat < 41)).astype(np.int64)
    else:
        target = (100 + 80 * signal + rng.normal(0, 5, n)).astype(np.float64)
        lat, lon = rng.uniform(32, 45, n), rng.uniform(-123, -105, n)
        sites = np.array([f"site{i % 24:02d}" for i in range(n)])
        is_test = np.isin(sites, [f"site{i:02d}" for i in range(8)]).astype(np.int64)
        np.save(folder / "site.npy", sites)
    np.save(folder / "s1_s2_era5_srtm.npy", raw)
    np.save(folder / "dynamic_world.npy", rng.integers(0, 10, (n, t)).astype(np.uint8))
    start = rng.integers(0, 12, n)
    np.save(folder / "month.npy", (start[:, None] + np.arange(t)) % 12)
    np.save(folder / "latlon.npy", np.stack([lat, lon], 1))
    np.save(folder / "target.npy", target)
    np.save(folder / "is_test.npy", is_test)
    return folder


def write_tiny_presto(folder: Path | str, seed: int = 0) -> Path:
    """A tiny, randomly initialised Presto in the published checkpoint layout."""
    import torch

    from sfmbench.fms.satellite.presto import save_presto
    from sfmbench.fms.satellite.presto_model import Presto, PrestoConfig

    torch.manual_seed(seed)
    return save_presto(Presto(PrestoConfig(**TINY_CONFIG)), folder)


if __name__ == "__main__":  # pragma: no cover
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "presto-fixtures")
    for name in FOLDERS:
        print(write_presto_task(out / "data", name))
    print(write_tiny_presto(out / "tiny-presto"))

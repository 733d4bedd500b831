"""The demo FM's pretraining corpus: many generated series, none of them a benchmark task.

Each series mixes what real sensor series have (a few seasonal sines of random period, phase and
amplitude; an AR(2) component; a slow random-walk trend; Gaussian noise) with random weights.
The seed space is disjoint from the generated tasks' (those use small seeds with a different
generator), so no task series is ever pretrained on.
"""
from __future__ import annotations

import numpy as np

#: offset added to the corpus seed: keeps it away from the task generators' seeds
SEED_OFFSET = 1_000_003


def generate_corpus(n_series: int = 256, length: int = 1024, seed: int = 0) -> np.ndarray:
    """``(n_series, length)`` float32 series, each standardized to mean 0, std 1."""
    from scipy.signal import lfilter

    rng = np.random.default_rng(SEED_OFFSET + seed)
    t = np.arange(length, dtype=np.float64)
    out = np.empty((n_series, length), dtype=np.float32)
    for i in range(n_series):
        x = np.zeros(length)
        for _ in range(rng.integers(0, 4)):
            period = rng.choice([rng.uniform(4, 48), rng.uniform(48, 400)])
            x += rng.uniform(0.2, 2.0) * np.sin(2 * np.pi * t / period + rng.uniform(0, 2 * np.pi))
        phi1 = rng.uniform(-0.5, 1.2)
        phi2 = float(np.clip(rng.uniform(-0.6, 0.4), -0.95, 0.95 - abs(phi1)))
        ar = lfilter([1.0], [1.0, -phi1, -phi2], rng.normal(0, 1, length + 200))[200:]
        x += rng.uniform(0.0, 1.5) * ar / (ar.std() + 1e-8)
        x += rng.uniform(0.0, 0.5) * np.cumsum(rng.normal(0, 0.05, length))
        x += rng.uniform(0.05, 0.5) * rng.normal(0, 1, length)
        out[i] = ((x - x.mean()) / (x.std() + 1e-8)).astype(np.float32)
    return out

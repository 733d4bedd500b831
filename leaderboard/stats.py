"""Seeded, vectorized bootstrap helpers shared by the leaderboard and its summary.

Every random draw comes from a generator derived from a base seed plus string keys (task,
model, ...), so a number depends only on its own inputs: adding a model to the store does not
change the confidence interval of another one, and the same input always gives the same output.
"""
from __future__ import annotations

import zlib

import numpy as np

from sfmbench.errors import ConfigError

#: Relative tolerance under which two bootstrap means count as equal (float noise, not a win).
TIE_RTOL = 1e-9


def check_bootstrap_args(confidence: float, n_resamples: int, seed: int) -> None:
    """Reject settings the bootstrap cannot use, saying which values work."""
    if not 0.0 < confidence < 1.0:
        raise ConfigError(f"confidence must be between 0 and 1 (exclusive), got {confidence!r}",
                          hint="use e.g. 0.95 for a 95% interval")
    if int(n_resamples) != n_resamples or n_resamples < 1:
        raise ConfigError(f"n_resamples must be a positive integer, got {n_resamples!r}",
                          hint="use e.g. 2000 (more resamples: steadier intervals, slower)")
    if int(seed) != seed or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, got {seed!r}",
                          hint="use e.g. 0")


def rng_for(seed: int, *keys: str) -> np.random.Generator:
    """A generator seeded by ``seed`` and stable hashes of ``keys`` (independent of call order)."""
    entropy = [int(seed)] + [zlib.crc32(key.encode("utf-8")) for key in keys]
    return np.random.default_rng(np.random.SeedSequence(entropy))


def bootstrap_means(values: np.ndarray, n_resamples: int,
                    rng: np.random.Generator) -> np.ndarray:
    """Means of ``n_resamples`` resamples (with replacement) of ``values``: shape (n_resamples,)."""
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or values.size == 0:
        raise ValueError("bootstrap_means needs a non-empty 1-D array of values")
    idx = rng.integers(0, values.size, size=(n_resamples, values.size))
    return values[idx].mean(axis=1)


def percentile_interval(samples: np.ndarray, confidence: float) -> tuple[float, float]:
    """The central ``confidence`` percentile interval of bootstrap ``samples``."""
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(np.asarray(samples, dtype=float), [alpha, 1.0 - alpha])
    return float(low), float(high)


def mean_ci(values: np.ndarray, confidence: float, n_resamples: int,
            rng: np.random.Generator) -> tuple[float, float]:
    """Percentile bootstrap CI of the mean; a single value gives the degenerate CI (v, v)."""
    values = np.asarray(values, dtype=float)
    if values.size == 1:
        return float(values[0]), float(values[0])
    return percentile_interval(bootstrap_means(values, n_resamples, rng), confidence)


def better_indicator(a: np.ndarray, b: np.ndarray, higher_is_better: bool) -> np.ndarray:
    """Elementwise 1 where ``a`` beats ``b``, 0.5 on a tie (within float noise), else 0."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    diff = a - b if higher_is_better else b - a
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), 1.0)
    tie = np.abs(diff) <= TIE_RTOL * scale
    return np.where(tie, 0.5, (diff > 0).astype(float))


def prob_better(a_samples: np.ndarray, b_samples: np.ndarray, higher_is_better: bool) -> float:
    """P(a beats b) over paired bootstrap replicates, ties counting one half."""
    return float(better_indicator(a_samples, b_samples, higher_is_better).mean())


def resample_counts(n: int, block: int, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """(n_resamples, n) draw counts of a bootstrap over ``n`` test examples.

    ``block`` = 1: the ordinary bootstrap (examples drawn independently). ``block`` > 1: the
    moving-block bootstrap (Kunsch 1989) for serially dependent examples such as overlapping
    forecast windows: ``ceil(n / block)`` blocks of ``block`` consecutive examples, with starts
    drawn uniformly from ``0 .. n - block``, concatenated and cut to ``n``.
    """
    if n < 1:
        raise ValueError("resample_counts needs at least one example")
    block = max(1, min(int(block), n))
    n_blocks = -(-n // block)
    starts = rng.integers(0, n - block + 1, size=(n_resamples, n_blocks))
    idx = (starts[:, :, None] + np.arange(block)).reshape(n_resamples, -1)[:, :n]
    flat = idx + (np.arange(n_resamples) * n)[:, None]
    return np.bincount(flat.ravel(), minlength=n_resamples * n).reshape(n_resamples, n).astype(
        np.float64)


def combine_seeds(per_seed: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Replicates (B,) from per-seed replicates (S, B): each replicate averages ``S`` seeds drawn
    with replacement, each seed evaluated on that replicate's resample of the test examples."""
    per_seed = np.asarray(per_seed, dtype=float)
    s, b = per_seed.shape
    if s == 1:
        return per_seed[0].copy()
    draws = rng.integers(0, s, size=(b, s))
    return per_seed[draws, np.arange(b)[:, None]].mean(axis=1)


def iqm(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """Interquartile mean: the mean of the middle 50% (scipy's 25% trimmed mean)."""
    from scipy.stats import trim_mean

    return trim_mean(np.asarray(values, dtype=float), 0.25, axis=axis)

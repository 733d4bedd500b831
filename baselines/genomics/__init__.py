"""Genomics reference baselines (registered lazily; importing this package stays cheap)."""
from __future__ import annotations

from sfmbench.registry import Registry


def register(registry: Registry) -> None:
    registry.register("kmer-logreg", "sfmbench.baselines.genomics.kmer:KmerLogReg",
                      kind="baseline", problems=["classification"], domains=["genomics"],
                      description="k-mer frequency profile + logistic regression "
                                  "(k and C picked on validation)")

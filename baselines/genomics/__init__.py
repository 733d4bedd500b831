"""Genomics reference baselines (registered lazily; importing this package stays cheap)."""
from __future__ import annotations

#: registry name -> class (imported on first use)
ENTRIES: dict[str, str] = {
    "kmer-logreg": "sfmbench.baselines.genomics.kmer:KmerLogReg",
}

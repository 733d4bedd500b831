"""Cross-modal adaptation of pretrained encoders (ORCA, L2G), registered lazily.

Both adapt any Hugging Face encoder (text bodies for 1-D tasks, ViT/Swin for 2-D) to genomics,
time series and images: a task-specific embedder feeds the body's transformer layers, aligned
to the body's input-embedding distribution of a source set, then everything is fine-tuned.
Model YAMLs: ``conf/model/orca*.yaml``, ``conf/model/l2g*.yaml``.
"""
from __future__ import annotations

_PKG = "sfmbench.fms.crossmodal"

#: registry name -> class (imported on first use)
ENTRIES: dict[str, str] = {
    "orca": f"{_PKG}.orca:Orca",
    "l2g": f"{_PKG}.l2g:L2G",
}

"""Cross-modal adaptation of pretrained encoders (ORCA, L2G), registered lazily.

Both adapt any Hugging Face encoder (text bodies for 1-D tasks, ViT/Swin for 2-D) to genomics,
time series and images: a task-specific embedder feeds the body's transformer layers, aligned
to the body's input-embedding distribution of a source set, then everything is fine-tuned.
Model YAMLs: ``conf/model/orca*.yaml``, ``conf/model/l2g*.yaml``.
"""
from __future__ import annotations

from typing import Any

#: registry name -> (import path, description)
ADAPTERS: dict[str, tuple[str, str]] = {
    "orca": ("sfmbench.fms.crossmodal.orca:Orca",
             "ORCA (Shen et al. 2023): patch embedder aligned by OTDD/MMD, then full "
             "fine-tuning of any HF encoder"),
    "l2g": ("sfmbench.fms.crossmodal.l2g:L2G",
            "L2G (Cheng et al. 2025): DASH-searched CNN embedder aligned by MMD + task loss, "
            "then full fine-tuning of any HF encoder"),
}


def register(registry: Any) -> None:
    """Register ORCA and L2G (nothing heavy is imported here)."""
    for name, (target, description) in ADAPTERS.items():
        registry.register(name, target, kind="fm", domain="cross-modal", problem="classification",
                          extra="crossmodal", description=description)

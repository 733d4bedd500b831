"""DNA foundation models (Nucleotide Transformer, DNABERT-2, HyenaDNA, Caduceus), registered lazily.

Each family is one registry name; checkpoints are picked by the model YAMLs (``conf/model/nt-*``,
``dnabert2``, ``hyenadna-*``, ``caduceus-*``) or ``model.model_id=<hub id or folder>``.
"""
from __future__ import annotations

from typing import Any

#: registry name -> (import path, description)
ADAPTERS: dict[str, tuple[str, str]] = {
    "nucleotide-transformer": (
        "sfmbench.fms.dna.families:NucleotideTransformer",
        "Nucleotide Transformer v1/v2 (ESM architecture, 6-mer tokens); v2 needs remote code"),
    "dnabert2": ("sfmbench.fms.dna.families:DNABERT2",
                 "DNABERT-2 (BPE tokens, ALiBi BERT); needs remote code"),
    "hyenadna": ("sfmbench.fms.dna.families:HyenaDNA",
                 "HyenaDNA (character tokens, Hyena operators); needs remote code"),
    "caduceus": ("sfmbench.fms.dna.families:Caduceus",
                 "Caduceus (character tokens, bidirectional RC-equivariant Mamba); needs remote "
                 "code and mamba-ssm"),
}


#: public classes, imported on first access (importing this package stays cheap)
_LAZY = {"DNAFoundationModel": "adapter", "NucleotideTransformer": "families",
         "DNABERT2": "families", "HyenaDNA": "families", "Caduceus": "families"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def register(registry: Any) -> None:
    """Register the DNA FM adapters (nothing heavy is imported here)."""
    for name, (target, description) in ADAPTERS.items():
        registry.register(name, target, kind="fm", domain="genomics", problem="classification",
                          extra="genomics", description=description)


__all__ = ["ADAPTERS", "register", *_LAZY]

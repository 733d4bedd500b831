"""DNA foundation models (Nucleotide Transformer, DNABERT-2, HyenaDNA, Caduceus), registered lazily.

Each family is one registry name; checkpoints are picked by the model YAMLs (``conf/model/nt-*``,
``dnabert2``, ``hyenadna-*``, ``caduceus-*``) or ``model.model_id=<hub id or folder>``.
"""
from __future__ import annotations

from typing import Any

_PKG = "sfmbench.fms.dna"

#: registry name -> class (imported on first use)
ENTRIES: dict[str, str] = {
    "nucleotide-transformer": f"{_PKG}.families:NucleotideTransformer",
    "dnabert2": f"{_PKG}.families:DNABERT2",
    "hyenadna": f"{_PKG}.families:HyenaDNA",
    "caduceus": f"{_PKG}.families:Caduceus",
}


#: public classes, imported on first access (importing this package stays cheap)
_LAZY = {"DNAFoundationModel": "adapter", "NucleotideTransformer": "families",
         "DNABERT2": "families", "HyenaDNA": "families", "Caduceus": "families"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["ENTRIES", *_LAZY]

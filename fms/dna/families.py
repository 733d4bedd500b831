"""The DNA model families: each is :class:`DNAFoundationModel` plus its declarations.

A family says which transformers auto classes load its encoder, how it pools token states,
which linear layers LoRA adapts, and what it was pretrained on. Checkpoints that ship their own
code (NT v2, DNABERT-2, HyenaDNA, Caduceus) load only after the user opts in with
``model.trust_remote_code=true``.
"""
from __future__ import annotations

from typing import Any, ClassVar

from .adapter import DNAFoundationModel


def _lora(*targets: str) -> dict[str, Any]:
    return {**DNAFoundationModel.defaults["lora"], "target_modules": list(targets)}


class NucleotideTransformer(DNAFoundationModel):
    """Nucleotide Transformer v1 and v2 (InstaDeep; ESM encoder over non-overlapping 6-mers).

    v1 checkpoints load with transformers' own ``EsmForMaskedLM``; v2 checkpoints ship their
    own ESM variant (gated MLP, rotary positions) and need remote code. Mean pooling over tokens
    as in the NT paper's probing.
    """

    pretraining_data: ClassVar[str | None] = (
        "v1: human reference genome (3.2 Gbp), 3,202 human genomes of 1000 Genomes (20.5 Tbp) "
        "or 850 genomes of diverse species (174 Gbp); v2: the 850 multi-species genomes "
        "(Dalla-Torre et al. 2024)")
    auto_classes: ClassVar[tuple[str, ...]] = ("AutoModelForMaskedLM", "AutoModel")
    defaults: ClassVar[dict[str, Any]] = {
        **DNAFoundationModel.defaults,
        "model_id": "InstaDeepAI/nucleotide-transformer-v2-50m-multi-species",
        "pooling": "mean",
        "lora": _lora("query", "value"),
    }


class DNABERT2(DNAFoundationModel):
    """DNABERT-2 (BPE tokens, BERT with ALiBi and a fused ``Wqkv`` projection); remote code."""

    pretraining_data: ClassVar[str | None] = (
        "genomes of 135 species, 32.49 B nucleotides (Zhou et al. 2024)")
    auto_classes: ClassVar[tuple[str, ...]] = ("AutoModel",)
    defaults: ClassVar[dict[str, Any]] = {
        **DNAFoundationModel.defaults,
        "model_id": "zhihan1996/DNABERT-2-117M",
        "pooling": "mean",
        "lora": _lora("Wqkv"),
    }


class HyenaDNA(DNAFoundationModel):
    """HyenaDNA (character tokens, causal Hyena operators, up to 1 M bp); remote code."""

    pretraining_data: ClassVar[str | None] = (
        "human reference genome hg38, single-nucleotide tokens (Nguyen et al. 2023)")
    auto_classes: ClassVar[tuple[str, ...]] = ("AutoModel", "AutoModelForCausalLM")
    defaults: ClassVar[dict[str, Any]] = {
        **DNAFoundationModel.defaults,
        "model_id": "LongSafari/hyenadna-tiny-1k-seqlen-hf",
        "pooling": "mean",
        "lora": _lora("in_proj", "out_proj"),
    }


class Caduceus(DNAFoundationModel):
    """Caduceus (character tokens, bidirectional, reverse-complement-equivariant Mamba);
    remote code, and the ``mamba-ssm`` package (CUDA) for the Mamba layers."""

    pretraining_data: ClassVar[str | None] = (
        "human reference genome hg38, single-nucleotide tokens (Schiff et al. 2024)")
    auto_classes: ClassVar[tuple[str, ...]] = ("AutoModel", "AutoModelForMaskedLM")
    defaults: ClassVar[dict[str, Any]] = {
        **DNAFoundationModel.defaults,
        "model_id": "kuleshov-group/caduceus-ph_seqlen-131k_d_model-256_n_layer-16",
        "pooling": "mean",
        "lora": _lora("in_proj", "out_proj"),
    }


__all__ = ["DNABERT2", "Caduceus", "DNAFoundationModel", "HyenaDNA", "NucleotideTransformer"]

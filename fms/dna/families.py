"""The DNA model families: each is :class:`DNAFoundationModel` plus its declarations.

A family says which transformers auto classes load its encoder, how it pools token states,
which linear layers LoRA adapts, and what it was pretrained on. Checkpoints that ship their own
code (NT v2, DNABERT-2, HyenaDNA, Caduceus) load only after the user opts in with
``model.trust_remote_code=true``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Optional

from sfmbench.params import MethodParams, defaults_of, param

from .adapter import DNAFoundationModel, DNAParams


def _lora(*targets: str) -> dict[str, Any]:
    return {**defaults_of(DNAParams)["lora"], "target_modules": list(targets)}


@dataclass
class NucleotideTransformerParams(DNAParams):
    """Nucleotide Transformer: its default checkpoint and LoRA target layers."""

    model_id: Optional[str] = param("InstaDeepAI/nucleotide-transformer-v2-50m-multi-species")
    lora: dict[str, Any] = param(_lora("query", "value"))


@dataclass
class DNABERT2Params(DNAParams):
    """DNABERT-2: its default checkpoint and LoRA target layers."""

    model_id: Optional[str] = param("zhihan1996/DNABERT-2-117M")
    lora: dict[str, Any] = param(_lora("Wqkv"))


@dataclass
class HyenaDNAParams(DNAParams):
    """HyenaDNA: its default checkpoint and LoRA target layers."""

    model_id: Optional[str] = param("LongSafari/hyenadna-tiny-1k-seqlen-hf")
    lora: dict[str, Any] = param(_lora("in_proj", "out_proj"))


@dataclass
class CaduceusParams(DNAParams):
    """Caduceus: its default checkpoint and LoRA target layers."""

    model_id: Optional[str] = param(
        "kuleshov-group/caduceus-ph_seqlen-131k_d_model-256_n_layer-16")
    lora: dict[str, Any] = param(_lora("in_proj", "out_proj"))


class NucleotideTransformer(DNAFoundationModel):
    """Nucleotide Transformer v1 and v2 (InstaDeep; ESM encoder over non-overlapping 6-mers).

    v1 checkpoints load with transformers' own ``EsmForMaskedLM``; v2 checkpoints ship their
    own ESM variant (gated MLP, rotary positions) and need remote code. Mean pooling over tokens
    as in the NT paper's probing.
    """

    description: ClassVar[str] = (
        "Nucleotide Transformer v1/v2 (ESM architecture, 6-mer tokens); v2 needs remote code"
    )

    pretraining_data: ClassVar[str | None] = (
        "v1: human reference genome (3.2 Gbp), 3,202 human genomes of 1000 Genomes (20.5 Tbp) "
        "or 850 genomes of diverse species (174 Gbp); v2: the 850 multi-species genomes "
        "(Dalla-Torre et al. 2024)")
    auto_classes: ClassVar[tuple[str, ...]] = ("AutoModelForMaskedLM", "AutoModel")
    Params: ClassVar[type[MethodParams]] = NucleotideTransformerParams


class DNABERT2(DNAFoundationModel):
    """DNABERT-2 (BPE tokens, BERT with ALiBi and a fused ``Wqkv`` projection); remote code."""

    description: ClassVar[str] = "DNABERT-2 (BPE tokens, ALiBi BERT); needs remote code"

    pretraining_data: ClassVar[str | None] = (
        "genomes of 135 species, 32.49 B nucleotides (Zhou et al. 2024)")
    auto_classes: ClassVar[tuple[str, ...]] = ("AutoModel",)
    Params: ClassVar[type[MethodParams]] = DNABERT2Params


class HyenaDNA(DNAFoundationModel):
    """HyenaDNA (character tokens, causal Hyena operators, up to 1 M bp); remote code."""

    description: ClassVar[str] = (
        "HyenaDNA (character tokens, Hyena operators); needs remote code"
    )

    pretraining_data: ClassVar[str | None] = (
        "human reference genome hg38, single-nucleotide tokens (Nguyen et al. 2023)")
    auto_classes: ClassVar[tuple[str, ...]] = ("AutoModel", "AutoModelForCausalLM")
    Params: ClassVar[type[MethodParams]] = HyenaDNAParams


class Caduceus(DNAFoundationModel):
    """Caduceus (character tokens, bidirectional, reverse-complement-equivariant Mamba);
    remote code, and the ``mamba-ssm`` package (CUDA) for the Mamba layers."""

    description: ClassVar[str] = (
        "Caduceus (character tokens, bidirectional RC-equivariant Mamba); needs remote code "
        "and mamba-ssm"
    )

    pretraining_data: ClassVar[str | None] = (
        "human reference genome hg38, single-nucleotide tokens (Schiff et al. 2024)")
    auto_classes: ClassVar[tuple[str, ...]] = ("AutoModel", "AutoModelForMaskedLM")
    Params: ClassVar[type[MethodParams]] = CaduceusParams


__all__ = ["DNABERT2", "Caduceus", "DNAFoundationModel", "HyenaDNA", "NucleotideTransformer"]

"""Data tables of the genomics benchmarks (pure data: cheap to import, read at registration).

Lengths are the padded input lengths; a source sequence longer than that is an error naming
``task.length`` / ``task.crop``. Class counts are the published ones.
"""
from __future__ import annotations

from typing import NamedTuple, TypeVar

D = TypeVar("D")


class GUEDataset(NamedTuple):
    group: str          # folder inside GUE/ (as in the published zip)
    folder: str         # dataset folder inside the group
    name: str           # registered as gue/<name>
    length: int
    classes: int
    what: str
    metric: str = "mcc"  # the primary metric GUE reports for it (DNABERT-2 paper, Table 6)


_EMP = ("H3", "H3K14ac", "H3K36me3", "H3K4me1", "H3K4me2", "H3K4me3", "H3K79me3", "H3K9ac",
        "H4", "H4ac")

#: the 28 GUE datasets (DNABERT-2, ICLR 2024)
GUE: tuple[GUEDataset, ...] = (
    *(GUEDataset("EMP", m, m, 500, 2, f"yeast epigenetic mark {m}") for m in _EMP),
    *(GUEDataset("prom", f"prom_core_{v}", f"prom_core_{v}", 70, 2,
                 f"human core promoter detection ({v})") for v in ("all", "notata", "tata")),
    *(GUEDataset("prom", f"prom_300_{v}", f"prom_300_{v}", 300, 2,
                 f"human promoter detection, 300 bp ({v})") for v in ("all", "notata", "tata")),
    GUEDataset("splice", "reconstructed", "splice_reconstructed", 400, 3,
               "human splice site prediction (donor/acceptor/none)"),
    # GUE reports covid by macro F1, every other dataset by MCC (Table 6; MAGICS-LAB/DNABERT_2#127)
    GUEDataset("virus", "covid", "covid", 1000, 9, "SARS-CoV-2 variant classification",
               metric="f1_macro"),
    *(GUEDataset("tf", str(i), f"tf_{i}", 101, 2, f"human transcription factor binding site {i}")
      for i in range(5)),
    *(GUEDataset("mouse", str(i), f"mouse_{i}", 101, 2,
                 f"mouse transcription factor binding site {i}") for i in range(5)),
)

GUE_URL = "https://drive.google.com/file/d/1GRtbzTe3UXYF1oW27ASNhYX3SZ16D7N2/view?usp=sharing"
GUE_SOURCE = "https://github.com/MAGICS-LAB/DNABERT_2 (GUE, Google Drive zip)"
GUE_CITATION = ("Zhou et al., DNABERT-2: Efficient Foundation Model and Benchmark for "
                "Multi-Species Genome, ICLR 2024")


class NTDataset(NamedTuple):
    name: str           # folder in the HF dataset repo; registered as nt[-revised]/<name>
    length: int
    classes: int


_NT_COMMON = (
    NTDataset("promoter_all", 300, 2), NTDataset("promoter_tata", 300, 2),
    NTDataset("promoter_no_tata", 300, 2),
    NTDataset("splice_sites_acceptors", 600, 2), NTDataset("splice_sites_donors", 600, 2),
)

#: original release (used by DASHA and L2G)
NT_ORIGINAL: tuple[NTDataset, ...] = (
    *_NT_COMMON,
    NTDataset("enhancers", 200, 2), NTDataset("enhancers_types", 200, 3),
    NTDataset("splice_sites_all", 400, 3),
    *(NTDataset(m, 500, 2) for m in ("H3", "H3K14ac", "H3K36me3", "H3K4me1", "H3K4me2",
                                     "H3K4me3", "H3K79me3", "H3K9ac", "H4", "H4ac")),
)

#: revised release (ENCODE histone marks, 1 kb; SCREEN enhancers, 400 bp)
NT_REVISED: tuple[NTDataset, ...] = (
    *_NT_COMMON,
    NTDataset("enhancers", 400, 2), NTDataset("enhancers_types", 400, 3),
    NTDataset("splice_sites_all", 600, 3),
    *(NTDataset(m, 1000, 2) for m in ("H2AFZ", "H3K27ac", "H3K27me3", "H3K36me3", "H3K4me1",
                                      "H3K4me2", "H3K4me3", "H3K9ac", "H3K9me3", "H4K20me1")),
)

NT_RELEASES: dict[str, tuple[str, tuple[NTDataset, ...]]] = {
    "nt": ("InstaDeepAI/nucleotide_transformer_downstream_tasks", NT_ORIGINAL),
    "nt-revised": ("InstaDeepAI/nucleotide_transformer_downstream_tasks_revised", NT_REVISED),
}
NT_CITATION = ("Dalla-Torre et al., The Nucleotide Transformer: Building and Evaluating Robust "
               "Foundation Models for Human Genomics, Nature Methods 2024")


class GBDataset(NamedTuple):
    name: str
    classes: int
    length: int
    variable: bool = False  # variable-length set: padded to `length`, longer ones cropped


#: the 8 tasks of Genomic Benchmarks (Gresova et al., BMC Genomic Data 2023). For the
#: variable-length sets, `length` is a fixed cap [unverified: the published maximum lengths as
#: we recall them]; a longer sequence keeps its first `length` bases unless task.crop=false.
GENOMIC_BENCHMARKS: tuple[GBDataset, ...] = (
    GBDataset("dummy_mouse_enhancers_ensembl", 2, 4707, variable=True),
    GBDataset("demo_coding_vs_intergenomic_seqs", 2, 200),
    GBDataset("demo_human_or_worm", 2, 200),
    GBDataset("human_enhancers_cohn", 2, 500),
    GBDataset("human_enhancers_ensembl", 2, 573, variable=True),
    GBDataset("human_ensembl_regulatory", 3, 802, variable=True),
    GBDataset("human_nontata_promoters", 2, 251),
    GBDataset("human_ocr_ensembl", 2, 593, variable=True),
)
GB_CITATION = ("Gresova et al., Genomic benchmarks: a collection of datasets for genomic "
               "sequence classification, BMC Genomic Data 2023")

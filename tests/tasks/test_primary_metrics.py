"""The primary metric of every registered task is the one its source reports."""
from __future__ import annotations

import fnmatch

import pytest

import sfmbench

#: (task pattern, metric, source); the first matching pattern decides
SOURCE_METRICS: list[tuple[str, str, str]] = [
    ("gue/covid", "f1_macro", "DNABERT-2 paper Table 6: covid is reported by F1"),
    ("gue/*", "mcc", "DNABERT-2 paper Table 6 (MCC; MAGICS-LAB/DNABERT_2 issue 127)"),
    ("nt/*", "mcc", "Nucleotide Transformer paper: MCC"),
    ("nt-revised/*", "mcc", "Nucleotide Transformer (revised tasks): MCC"),
    ("genomic-benchmarks/*", "accuracy", "Genomic Benchmarks: accuracy (and F1)"),
    ("ltsf/*", "mse", "LTSF protocol (TSLib, DLinear, PatchTST, Auto-AR): MSE (and MAE)"),
    ("satellite/m-bigearthnet", "f1_micro", "GEO-Bench experiments: F1 for m-bigearthnet"),
    ("satellite/bigearthnet-*", "map_micro", "BigEarthNet papers / torchgeo-bench: micro mAP"),
    ("satellite/presto-*", "rmse", "Presto evaluation: RMSE (and R^2)"),
    ("satellite/m-*-seg", "miou", "GEO-Bench segmentation: mIoU"),
    ("satellite/m-chesapeake-landcover", "miou", "GEO-Bench segmentation: mIoU"),
    ("satellite/m-cashew-plantation", "miou", "GEO-Bench segmentation: mIoU"),
    ("satellite/m-SA-crop-type", "miou", "GEO-Bench segmentation: mIoU"),
    ("satellite/m-nz-cattle", "miou", "GEO-Bench segmentation: mIoU"),
    ("satellite/m-NeonTree", "miou", "GEO-Bench segmentation: mIoU"),
    ("satellite/m-*", "accuracy", "GEO-Bench classification: top-1 accuracy"),
    ("satellite/eurosat-ms", "accuracy", "EuroSAT: accuracy"),
]

#: tasks that need a user's file (no source metric to check) or are generated for tests/demos
EXEMPT = ("ltsf/csv", "genomics/csv", "generated/*")


def expected(name: str) -> tuple[str, str] | None:
    for pattern, metric, source in SOURCE_METRICS:
        if fnmatch.fnmatchcase(name, pattern):
            return metric, source
    return None


@pytest.mark.parametrize("family", ["gue", "nt", "nt-revised", "genomic-benchmarks", "ltsf",
                                    "satellite"])
def test_primary_metric_is_the_sources(family):
    names = [n for n in sfmbench.task_names(f"{family}/*")
             if not any(fnmatch.fnmatchcase(n, e) for e in EXEMPT)]
    assert names
    for name in names:
        want = expected(name)
        assert want is not None, f"{name}: add its source's metric to SOURCE_METRICS"
        spec = sfmbench.create_task(name).spec
        assert spec.primary_metric == want[0], f"{name}: {spec.primary_metric} ({want[1]})"
        assert spec.primary_metric in spec.metrics


def test_every_task_family_is_covered():
    families = {n.split("/")[0] for n in sfmbench.task_names()}
    covered = {p.split("/")[0] for p, _, _ in SOURCE_METRICS} | {"generated", "genomics"}
    assert families <= covered, families - covered

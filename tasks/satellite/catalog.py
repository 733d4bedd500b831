"""GEO-Bench v1.0 as data: the 6 classification and 6 segmentation tasks (Lacoste et al.,
NeurIPS 2023 Datasets and Benchmarks; ``ServiceNow/geo-bench``).

``folders`` are the dataset folder names under ``classification_v1.0/`` or
``segmentation_v1.0/`` (the first is used for downloads; any matches on disk, case-insensitively).
Sizes and band counts follow the GEO-Bench paper; those marked [unverified] in
``docs/reference/datasets.md`` are read from the files at load time, never relied on.
"""
from __future__ import annotations

from dataclasses import dataclass

from sfmbench.specs import ProblemType

CLASSIFICATION = "classification_v1.0"
SEGMENTATION = "segmentation_v1.0"
SOURCE = "https://huggingface.co/datasets/recursix/geo-bench-1.0 (ServiceNow/geo-bench)"
CITATION = ("Lacoste et al., GEO-Bench: Toward Foundation Models for Earth Monitoring, "
            "NeurIPS 2023 Datasets and Benchmarks")


@dataclass(frozen=True)
class GeoBenchDataset:
    name: str                      # task name after "satellite/"
    benchmark: str                 # CLASSIFICATION or SEGMENTATION
    folders: tuple[str, ...]       # folder name(s) of the published release
    problem: ProblemType
    num_classes: int
    pixels: int
    bands: int                     # channels with the default band selection
    sizes: str                     # train / val / test of the default partition
    what: str
    license: str
    default_bands: str = "all"     # "all", "rgb" or a comma-separated list of band names

    @property
    def primary(self) -> str:
        """GEO-Bench's headline metric: accuracy, F1 (multi-label), mIoU (segmentation)."""
        return {ProblemType.CLASSIFICATION: "accuracy", ProblemType.MULTILABEL: "f1_micro",
                ProblemType.SEGMENTATION: "miou"}[self.problem]


C, M, S = ProblemType.CLASSIFICATION, ProblemType.MULTILABEL, ProblemType.SEGMENTATION
GEOBENCH: tuple[GeoBenchDataset, ...] = (
    GeoBenchDataset("m-bigearthnet", CLASSIFICATION, ("m-bigearthnet",), M, 43, 120, 12,
                    "20000 / 1000 / 1000", "BigEarthNet-S2 subset, 43 CORINE classes (multi-label)",
                    "CDLA-Permissive-1.0"),
    GeoBenchDataset("m-so2sat", CLASSIFICATION, ("m-so2sat",), C, 17, 32, 18,
                    "19992 / 986 / 986", "So2Sat LCZ42 local climate zones (Sentinel-1 + 2)",
                    "CC-BY-4.0"),
    GeoBenchDataset("m-brick-kiln", CLASSIFICATION, ("m-brick-kiln",), C, 2, 64, 13,
                    "15063 / 999 / 999", "brick kilns in Bangladesh (Sentinel-2)", "CC-BY-SA-4.0"),
    GeoBenchDataset("m-forestnet", CLASSIFICATION, ("m-forestnet",), C, 12, 332, 6,
                    "6464 / 989 / 993", "drivers of deforestation in Indonesia (Landsat-8)",
                    "CC-BY-4.0"),
    GeoBenchDataset("m-eurosat", CLASSIFICATION, ("m-eurosat",), C, 10, 64, 13,
                    "2000 / 1000 / 1000", "EuroSAT land use (Sentinel-2, 13 bands)", "MIT"),
    GeoBenchDataset("m-pv4ger", CLASSIFICATION, ("m-pv4ger",), C, 2, 320, 3,
                    "11814 / 999 / 999", "solar panels in Germany (aerial RGB)", "MIT"),
    GeoBenchDataset("m-pv4ger-seg", SEGMENTATION, ("m-pv4ger-seg",), S, 2, 320, 3,
                    "3000 / 403 / 403 [unverified]", "solar panel masks in Germany (aerial RGB)",
                    "MIT"),
    GeoBenchDataset("m-chesapeake-landcover", SEGMENTATION,
                    ("m-chesapeake-landcover", "m-chesapeake-lancover", "m-chesapeake"), S, 7,
                    256, 4, "3000 / 1000 / 1000 [unverified]",
                    "Chesapeake Bay land cover (NAIP RGBN)", "CDLA-Permissive-1.0"),
    GeoBenchDataset("m-cashew-plantation", SEGMENTATION,
                    ("m-cashew-plant", "m-cashew-plantation"), S, 7, 256, 13,
                    "1350 / 400 / 50 [unverified]", "cashew plantations in Benin (Sentinel-2)",
                    "CC-BY-4.0"),
    GeoBenchDataset("m-SA-crop-type", SEGMENTATION, ("m-SA-crop-type", "m-sa-crop-type"), S, 10,
                    256, 13, "3000 / 1000 / 1000 [unverified]",
                    "crop types in South Africa (Sentinel-2)", "CC-BY-4.0"),
    GeoBenchDataset("m-nz-cattle", SEGMENTATION, ("m-nz-cattle",), S, 2, 500, 3,
                    "524 / 66 / 65 [unverified]", "cattle in New Zealand (aerial RGB)",
                    "CC-BY-4.0"),
    GeoBenchDataset("m-NeonTree", SEGMENTATION, ("m-NeonTree", "m-neontree"), S, 2, 400, 3,
                    "270 / 94 / 93 [unverified]",
                    "tree crowns (NEON RGB; hyperspectral and elevation bands via task.bands)",
                    "CC0-1.0", default_bands="rgb"),
)
BY_NAME = {d.name: d for d in GEOBENCH}

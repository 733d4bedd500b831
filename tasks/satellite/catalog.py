"""GEO-Bench v1.0 as data: the 6 classification and 6 segmentation tasks (Lacoste et al.,
NeurIPS 2023 Datasets and Benchmarks; ``ServiceNow/geo-bench``).

``folders`` are the dataset folder names under ``classification_v1.0/`` or
``segmentation_v1.0/`` (the first is used for downloads; any matches on disk, case-insensitively).
Sizes and band counts follow the GEO-Bench paper; those marked [unverified] in
``docs/reference/datasets.md`` are read from the files at load time, never relied on.

``band_info`` declares each dataset's bands as GEO-Bench's converters write them
(``geobench/benchmark/dataset_converters/*.py`` and the band lists of ``geobench/dataset.py``,
``ServiceNow/geo-bench``): (band-info class, GEO-Bench name, channels). A task's spec takes its
band names from the dataset's files when they are on disk, from this declaration otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass

from sfmbench.specs import ProblemType

CLASSIFICATION = "classification_v1.0"
SEGMENTATION = "segmentation_v1.0"
SOURCE = "https://huggingface.co/datasets/recursix/geo-bench-1.0 (ServiceNow/geo-bench)"
CITATION = ("Lacoste et al., GEO-Bench: Toward Foundation Models for Earth Monitoring, "
            "NeurIPS 2023 Datasets and Benchmarks")


#: (band-info class, GEO-Bench band name, channels) of one band
BandInfo = tuple[str, str, int]


def _bands(kind: str, *names: str, channels: int = 1) -> tuple[BandInfo, ...]:
    return tuple((kind, n, channels) for n in names)


#: ``sentinel2_13_bands`` of geobench/dataset.py
S2_13 = _bands("Sentinel2", "01 - Coastal aerosol", "02 - Blue", "03 - Green", "04 - Red",
               "05 - Vegetation Red Edge", "06 - Vegetation Red Edge",
               "07 - Vegetation Red Edge", "08 - NIR", "08A - Vegetation Red Edge",
               "09 - Water vapour", "10 - SWIR - Cirrus", "11 - SWIR", "12 - SWIR")
S2_12 = S2_13[:10] + S2_13[-2:]                                   # without the cirrus band B10
S1_8 = _bands("Sentinel1", "01 - VH.Real", "02 - VH.Imaginary", "03 - VV.Real",
              "04 - VV.Imaginary", "05 - VH.LEE Filtered", "06 - VV.LEE Filtered",
              "07 - VH.LEE Filtered.Real", "08 - VV.LEE Filtered.Imaginary")
RGB = _bands("SpectralBand", "Red", "Green", "Blue")              # make_rgb_bands
CLOUD = _bands("CloudProbability", "Cloud Probability")
#: landsat8_9_bands[3:0:-1] + landsat8_9_bands[4:7] (forestnet.py)
L8_FORESTNET = _bands("Landsat8", "04 - Red", "03 - Green", "02 - Blue", "05 - NIR",
                      "06 - SWIR1", "07 - SWIR2")


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
    band_info: tuple[BandInfo, ...] = ()   # every band, as the converters write them
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
                    "CDLA-Permissive-1.0", S2_12),
    GeoBenchDataset("m-so2sat", CLASSIFICATION, ("m-so2sat",), C, 17, 32, 18,
                    "19992 / 986 / 986", "So2Sat LCZ42 local climate zones (Sentinel-1 + 2)",
                    "CC-BY-4.0", S1_8 + S2_13[1:9] + S2_13[-2:]),
    GeoBenchDataset("m-brick-kiln", CLASSIFICATION, ("m-brick-kiln",), C, 2, 64, 13,
                    "15063 / 999 / 999", "brick kilns in Bangladesh (Sentinel-2)", "CC-BY-SA-4.0",
                    S2_13),
    GeoBenchDataset("m-forestnet", CLASSIFICATION, ("m-forestnet",), C, 12, 332, 6,
                    "6464 / 989 / 993", "drivers of deforestation in Indonesia (Landsat-8)",
                    "CC-BY-4.0", L8_FORESTNET),
    GeoBenchDataset("m-eurosat", CLASSIFICATION, ("m-eurosat",), C, 10, 64, 13,
                    "2000 / 1000 / 1000", "EuroSAT land use (Sentinel-2, 13 bands)", "MIT",
                    S2_13),
    GeoBenchDataset("m-pv4ger", CLASSIFICATION, ("m-pv4ger",), C, 2, 320, 3,
                    "11814 / 999 / 999", "solar panels in Germany (aerial RGB)", "MIT", RGB),
    GeoBenchDataset("m-pv4ger-seg", SEGMENTATION, ("m-pv4ger-seg",), S, 2, 320, 3,
                    "3000 / 403 / 403 [unverified]", "solar panel masks in Germany (aerial RGB)",
                    "MIT", RGB),
    GeoBenchDataset("m-chesapeake-landcover", SEGMENTATION,
                    ("m-chesapeake-landcover", "m-chesapeake-lancover", "m-chesapeake"), S, 7,
                    256, 4, "3000 / 1000 / 1000 [unverified]",
                    "Chesapeake Bay land cover (NAIP RGBN)", "CDLA-Permissive-1.0",
                    RGB + _bands("SpectralBand", "NearInfrared")),
    GeoBenchDataset("m-cashew-plantation", SEGMENTATION,
                    ("m-cashew-plant", "m-cashew-plantation"), S, 7, 256, 13,
                    "1350 / 400 / 50 [unverified]", "cashew plantations in Benin (Sentinel-2)",
                    "CC-BY-4.0", S2_12 + CLOUD),
    GeoBenchDataset("m-SA-crop-type", SEGMENTATION, ("m-SA-crop-type", "m-sa-crop-type"), S, 10,
                    256, 13, "3000 / 1000 / 1000 [unverified]",
                    "crop types in South Africa (Sentinel-2)", "CC-BY-4.0", S2_12 + CLOUD),
    GeoBenchDataset("m-nz-cattle", SEGMENTATION, ("m-nz-cattle",), S, 2, 500, 3,
                    "524 / 66 / 65 [unverified]", "cattle in New Zealand (aerial RGB)",
                    "CC-BY-4.0", RGB),
    GeoBenchDataset("m-NeonTree", SEGMENTATION, ("m-NeonTree", "m-neontree"), S, 2, 400, 3,
                    "270 / 94 / 93 [unverified]",
                    "tree crowns (NEON RGB; hyperspectral and elevation bands via task.bands)",
                    "CC0-1.0",
                    RGB + _bands("ElevationBand", "Canopy Height Model")
                    + _bands("HyperSpectralBands", "Neon", channels=369),
                    default_bands="rgb"),
)
BY_NAME = {d.name: d for d in GEOBENCH}

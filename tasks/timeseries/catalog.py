"""The LTSF data table: one record per dataset (file, source, checksum, split, horizons).

Cheap to import (no pandas): registration reads it to list every dataset x horizon.
Sources: ETT from its home repository (zhouhaoyi/ETDataset); the other files from the
Time-Series-Library mirror on the Hugging Face Hub (the Autoformer ``all_six_datasets`` bundle
plus ILI), the copies DASHA, Auto-AR and TSLib read.
"""
from __future__ import annotations

from dataclasses import dataclass

from .splits import FixedSplit, RatioSplit, SplitRule

ETT_URL = "https://raw.githubusercontent.com/zhouhaoyi/ETDataset/main/ETT-small/{}"
TSLIB_URL = "https://huggingface.co/datasets/thuml/Time-Series-Library/resolve/main/{}"
#: folder under the data cache that holds the files, in their original names
CACHE_DIR = "ltsf"

HORIZONS = (96, 192, 336, 720)
ETT_CHANNELS = ("HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT")
INFORMER = ("Zhou et al., Informer: Beyond Efficient Transformer for Long Sequence Time-Series "
            "Forecasting, AAAI 2021")
AUTOFORMER = ("Wu et al., Autoformer: Decomposition Transformers with Auto-Correlation for "
              "Long-Term Series Forecasting, NeurIPS 2021")


@dataclass(frozen=True)
class LTSFDataset:
    """One LTSF dataset: where its CSV comes from and how it is split."""

    name: str
    filename: str
    url: str
    channels: int
    step: str
    split: SplitRule
    sha256: str | None = None
    horizons: tuple[int, ...] = HORIZONS
    lookback: int = 512
    license: str = ""
    citation: str = AUTOFORMER
    description: str = ""
    quirks: str = ""               # what the canonical file holds beyond plain values
    lookback_note: str = "512: the input length of DASHA and Auto-AR (TSLib uses 96)"

    @property
    def relpath(self) -> str:
        return f"{CACHE_DIR}/{self.filename}"


#: sha256 of the canonical files (the Autoformer/TSLib distribution; ETT identical to
#: zhouhaoyi/ETDataset), as in docs/reference/datasets.md; Electricity and Traffic: not known
SHA256 = {
    "ETTh1": "f18de3ad269cef59bb07b5438d79bb3042d3be49bdeecf01c1cd6d29695ee066",
    "ETTh2": "a3dc2c597b9218c7ce1cd55eb77b283fd459a1d09d753063f944967dd6b9218b",
    "ETTm1": "6ce1759b1a18e3328421d5d75fadcb316c449fcd7cec32820c8dafda71986c9e",
    "ETTm2": "db973ca252c6410a30d0469b13d696cf919648d0f3fd588c60f03fdbdbadd1fd",
    "Weather": "34ee981d07313e51da2a50bb600072c8ae4a69cb4b0651f4cb93a069d7a2ba63",
    "Exchange": "d55e7aa2641009814a18ba3279431b13f6d413b0eab195b9ff21988d8cf94e97",
    "ILI": "8594cecb98c6f2f9dc014eca11c4d5d1e38ad5ce6ed0592d4abe65b146fce395",
}

WEATHER_QUIRKS = ("52,696 rows; the time stamp 2020-05-12 06:00:00 appears twice (row 19,044), "
                  "followed by a 1 h 40 min gap; the columns 'wv (m/s)' and "
                  "'max. wv (m/s)' hold -9999 missing-value sentinels. Kept as in the file and "
                  "split by row index, as every published result on it was computed; loading "
                  "warns with the counts")


def _ett(name: str, sha256: str | None, hourly: bool) -> LTSFDataset:
    factor = 1 if hourly else 4
    return LTSFDataset(
        name, f"{name}.csv", ETT_URL.format(f"{name}.csv"), channels=7,
        step="1 h" if hourly else "15 min",
        split=FixedSplit(8640 * factor, 2880 * factor, 2880 * factor), sha256=sha256,
        license="CC BY-ND 4.0", citation=INFORMER,
        description=f"Electricity Transformer Temperature ({'hourly' if hourly else '15 min'}), "
                    "7 channels (loads and oil temperature OT)")


DATASETS: dict[str, LTSFDataset] = {d.name: d for d in (
    _ett("ETTh1", SHA256["ETTh1"], True),
    _ett("ETTh2", SHA256["ETTh2"], True),
    _ett("ETTm1", SHA256["ETTm1"], False),
    _ett("ETTm2", SHA256["ETTm2"], False),
    LTSFDataset("Weather", "weather.csv", TSLIB_URL.format("weather/weather.csv"), channels=21,
                step="10 min", split=RatioSplit(), sha256=SHA256["Weather"],
                license="see source (Max Planck Institute for Biogeochemistry, Jena weather "
                "station)", description="21 meteorological indicators, Jena, 2020",
                quirks=WEATHER_QUIRKS),
    LTSFDataset("Electricity", "electricity.csv",
                TSLIB_URL.format("electricity/electricity.csv"), channels=321, step="1 h",
                split=RatioSplit(), license="CC BY 4.0 (UCI ElectricityLoadDiagrams20112014)",
                description="hourly consumption of 321 clients (ECL)"),
    LTSFDataset("Traffic", "traffic.csv", TSLIB_URL.format("traffic/traffic.csv"), channels=862,
                step="1 h", split=RatioSplit(), license="see source (Caltrans PeMS)",
                description="hourly occupancy of 862 San Francisco Bay Area freeway sensors"),
    LTSFDataset("Exchange", "exchange_rate.csv",
                TSLIB_URL.format("exchange_rate/exchange_rate.csv"), channels=8, step="1 day",
                split=RatioSplit(), sha256=SHA256["Exchange"],
                license="see source (Lai et al., LSTNet data)",
                citation="Lai et al., Modeling Long- and Short-Term Temporal Patterns with Deep "
                         "Neural Networks, SIGIR 2018",
                description="daily exchange rates of 8 countries, 1990-2016"),
    LTSFDataset("ILI", "national_illness.csv",
                TSLIB_URL.format("illness/national_illness.csv"), channels=7, step="1 week",
                split=RatioSplit(), horizons=(24, 36, 48, 60), lookback=96,
                sha256=SHA256["ILI"],
                # 96 weeks: the Auto-AR Oct 2024 code and DASHA use 96 for ILI (Auto-AR HEAD
                # uses 512, TSLib 36). With every lag searched, Auto-AR chooses p in 1..95.
                lookback_note="96: the ILI input length of DASHA and of the Oct 2024 Auto-AR "
                              "code (Auto-AR HEAD: 512; TSLib: 36); leaves Auto-AR lags "
                              "1..96 - d to search",
                license="public domain (US CDC ILINet)",
                description="weekly influenza-like illness ratios, US CDC, 2002-2021"),
)}

"""GEO-Bench band names -> the canonical names a task's spec carries (``spec.extra['bands']``).

GEO-Bench names a band by its band-info record (``geobench/dataset.py`` of
``ServiceNow/geo-bench``): Sentinel-2 ``"02 - Blue"``, ``"08A - Vegetation Red Edge"``;
Sentinel-1 (m-so2sat only) ``"05 - VH.LEE Filtered"``; Landsat-8 ``"04 - Red"``; aerial RGB(N)
``"Red"``, ``"NearInfrared"``; and ``"Cloud Probability"``, ``"Canopy Height Model"``, ``"Neon"``
(369 hyperspectral channels). The record's class (``Sentinel2``, ``Landsat8``, ``SpectralBand``,
...) tells the sensor: the same name ``"02 - Blue"`` is Sentinel-2 B2 or Landsat-8 band 2.

Canonical names, as the GeoFM band map matches them (:mod:`sfmbench.fms.satellite.geo`):

- Sentinel-2: ``B1`` ... ``B12``, ``B8A``;
- Sentinel-1: ``VV``, ``VH``; m-so2sat's complex and Lee-filtered components keep their meaning
  (``VH_REAL``, ``VV_LEE``, ...): they are not the backscatter intensities a ``VV``/``VH``
  model was pretrained on, so they never match one by accident;
- Landsat-8: ``L8_B2`` ... (its band numbers differ from Sentinel-2's: L8 band 5 is NIR);
- aerial colour bands: ``R``, ``G``, ``B``, ``NIR``;
- anything else keeps its GEO-Bench name (``Cloud Probability``, ``Canopy Height Model``); a
  multi-channel band is expanded to ``Neon_0``, ``Neon_1``, ....
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sfmbench.codecs.bands import RGB, stand_ins

#: GEO-Bench's Sentinel-1 band names (``sentinel1_8_bands``) -> canonical names
S1_NAMES: dict[str, str] = {
    "01 - VH.Real": "VH_REAL", "02 - VH.Imaginary": "VH_IMAG", "03 - VV.Real": "VV_REAL",
    "04 - VV.Imaginary": "VV_IMAG", "05 - VH.LEE Filtered": "VH_LEE",
    "06 - VV.LEE Filtered": "VV_LEE", "07 - VH.LEE Filtered.Real": "VH_LEE_REAL",
    "08 - VV.LEE Filtered.Imaginary": "VV_LEE_IMAG", "VV": "VV", "VH": "VH",
}
#: colour names of generic spectral bands (``make_rgb_bands``, NAIP/IGN NIR) -> canonical names
COLOURS: dict[str, str] = {"red": "R", "green": "G", "blue": "B", "nir": "NIR",
                           "nearinfrared": "NIR"}
_NUMBERED = re.compile(r"^0*(\d+)(A?)\s*-")


@dataclass(frozen=True)
class Band:
    """One input channel: its canonical name and the GEO-Bench band it comes from."""

    name: str          # canonical (spec.extra["bands"])
    source: str        # GEO-Bench band name (the band-info record's name)
    kind: str = ""     # band-info class: Sentinel2, Sentinel1, Landsat8, SpectralBand, ...


def _numbered(prefix: str) -> Callable[[str], str | None]:
    def rule(name: str) -> str | None:
        m = _NUMBERED.match(name)
        return f"{prefix}{int(m.group(1))}{m.group(2)}" if m else None
    return rule


def _colour(name: str) -> str | None:
    return COLOURS.get(re.sub(r"[\s_-]", "", name).lower())


#: band-info class -> rule from the GEO-Bench name to the canonical one (None: keep the name)
RULES: dict[str, Callable[[str], str | None]] = {
    "Sentinel2": _numbered("B"),
    "Sentinel1": S1_NAMES.get,
    "Landsat8": _numbered("L8_B"),
    "SpectralBand": _colour,
}


def canonical_name(name: str, kind: str = "") -> str:
    """The canonical name of GEO-Bench band ``name`` whose band-info class is ``kind``."""
    rule = RULES.get(kind)
    return (rule(name) if rule else None) or name


def expand(name: str, source: str, kind: str, channels: int) -> list[Band]:
    """One :class:`Band` per channel of a GEO-Bench band (several for hyperspectral bands)."""
    canon = canonical_name(name, kind)
    if channels == 1:
        return [Band(canon, source, kind)]
    return [Band(f"{canon}_{i}", source, kind) for i in range(channels)]


#: which canonical names are the red, green and blue band of each sensor (``task.bands=rgb``)
RGB_NAMES: tuple[frozenset[str], ...] = tuple(frozenset(stand_ins(b)) for b in RGB)


__all__ = ["Band", "COLOURS", "RGB_NAMES", "RULES", "S1_NAMES", "canonical_name", "expand"]

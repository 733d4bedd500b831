"""Band names of multispectral images: which task band may stand in for a model's input band.

Tasks name their bands canonically (Sentinel-2 ``B1``..``B12``, ``B8A``; Sentinel-1 ``VV``,
``VH``; Landsat-8 ``L8_B1``..; aerial ``R``, ``G``, ``B``, ``NIR``). A model pretrained on
Sentinel-2 asks for ``B4``; a task without ``B4`` may feed it the same colour of another
sensor. This is the one table of such stand-ins, read by the tasks (``task.bands=rgb``) and by
the satellite FMs' band mapping.
"""
from __future__ import annotations

import re

#: Sentinel-2 band -> the bands of other sensors that stand in for it, in order of preference
#: (Landsat-8 OLI band 5 and aerial NIR are broad near-infrared bands, taken for S2's B8)
EQUIVALENT_BANDS: dict[str, tuple[str, ...]] = {
    "B4": ("R", "RED", "L8_B4"),
    "B3": ("G", "GREEN", "L8_B3"),
    "B2": ("B", "BLUE", "L8_B2"),
    "B8": ("NIR", "L8_B5"),
}
#: red, green and blue, in that order
RGB: tuple[str, str, str] = ("B4", "B3", "B2")


def band_id(name: str) -> str:
    """The id a band name is matched by: ``B02`` -> ``B2``, ``b8a`` -> ``B8A``; other names
    upper-cased."""
    n = str(name).strip().upper()
    m = re.fullmatch(r"B0*(\d+)(A?)", n)
    return f"B{m.group(1)}{m.group(2)}" if m else n


def stand_ins(band: str) -> tuple[str, ...]:
    """``band`` and the bands that may stand in for it."""
    return (band, *EQUIVALENT_BANDS.get(band, ()))

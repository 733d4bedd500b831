"""Satellite imaging tasks: GEO-Bench v1.0 (``satellite/m-<dataset>``, GEO-Bench's own names),
BigEarthNet-S2 v1.0 (``satellite/bigearthnet-19``, ``satellite/bigearthnet-43``), EuroSAT-MS
(``satellite/eurosat-ms``), the generated
family (``generated/sat-*``) and, from :mod:`.presto`, Presto's pixel-time-series tasks.

Names are registered from data tables; importing this package is cheap (no h5py, torchgeo
or torch): loaders import what they need when a task loads.
"""
from __future__ import annotations

import importlib
import importlib.util

from sfmbench.registry import Registry

from .catalog import GEOBENCH

_PKG = "sfmbench.tasks.satellite"
#: modules of this package with their own ``register(registry)`` (optional ones may be absent)
SUBMODULES = ("generated", "presto")


def register(registry: Registry) -> None:
    """Register every built-in satellite task name."""
    for d in GEOBENCH:
        registry.register(f"satellite/{d.name}", f"{_PKG}.geobench:GeoBenchTask",
                          params={"dataset": d.name}, domain="satellite", modality="satellite",
                          problem=d.problem.value, benchmark=d.benchmark,
                          description=f"GEO-Bench v1.0 {d.benchmark.split('_')[0]}: {d.what}")
    for k in (19, 43):
        for suffix, frac, what in (("", 1.0, "official splits"),
                                   ("-10pct", 0.1, "official splits, 10 % of train (DASHA)")):
            registry.register(f"satellite/bigearthnet-{k}{suffix}",
                              f"{_PKG}.bigearthnet:BigEarthNetTask",
                              params={"num_classes": k, "train_fraction": frac},
                              domain="satellite", modality="satellite", problem="multilabel",
                              description=f"BigEarthNet-S2 v1.0, 12 bands 120 x 120, {k}-class "
                                          f"CORINE nomenclature, {what}")
    registry.register("satellite/eurosat-ms", f"{_PKG}.eurosat:EuroSATTask", params={},
                      domain="satellite", modality="satellite", problem="classification",
                      description="EuroSAT-MS: 13 Sentinel-2 bands, 64 x 64, 10 classes")
    for name in SUBMODULES:
        if importlib.util.find_spec(f"{_PKG}.{name}") is None:
            continue
        fn = getattr(importlib.import_module(f"{_PKG}.{name}"), "register", None)
        if fn is not None:
            fn(registry)

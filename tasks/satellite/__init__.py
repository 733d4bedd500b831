"""Satellite imaging tasks: GEO-Bench v1.0 (``satellite/m-<dataset>``, GEO-Bench's own names),
BigEarthNet-S2 v1.0 (``satellite/bigearthnet-19``, ``satellite/bigearthnet-43``), EuroSAT-MS
(``satellite/eurosat-ms``), the generated
family (``generated/sat-*``) and, from :mod:`.presto`, Presto's pixel-time-series tasks.

Names are registered from data tables; importing this package is cheap (no h5py, torchgeo
or torch): loaders import what they need when a task loads.
"""
from __future__ import annotations

from sfmbench.task import TaskEntry

from . import generated, presto
from .catalog import GEOBENCH

_PKG = "sfmbench.tasks.satellite"
_SAT = {"domain": "satellite", "modality": "satellite"}

#: every built-in satellite task name (and the generated ``generated/sat-*`` family)
ENTRIES: dict[str, TaskEntry] = {
    **{f"satellite/{d.name}": TaskEntry(f"{_PKG}.geobench:GeoBenchTask", {"dataset": d.name},
                                        problem=d.problem.value,
                                        description=f"GEO-Bench v1.0 "
                                                    f"{d.benchmark.split('_')[0]}: {d.what}",
                                        **_SAT)
       for d in GEOBENCH},
    **{f"satellite/bigearthnet-{k}{suffix}": TaskEntry(
        f"{_PKG}.bigearthnet:BigEarthNetTask", {"num_classes": k, "train_fraction": frac},
        problem="multilabel", description=f"BigEarthNet-S2 v1.0, 12 bands 120 x 120, "
                                          f"{k}-class CORINE nomenclature, {what}", **_SAT)
       for k in (19, 43)
       for suffix, frac, what in (("", 1.0, "official splits"),
                                  ("-10pct", 0.1, "official splits, 10 % of train (DASHA)"))},
    "satellite/eurosat-ms": TaskEntry(f"{_PKG}.eurosat:EuroSATTask", problem="classification",
                                      description="EuroSAT-MS: 13 Sentinel-2 bands, 64 x 64, "
                                                  "10 classes", **_SAT),
    **generated.ENTRIES,
    **presto.ENTRIES,
}

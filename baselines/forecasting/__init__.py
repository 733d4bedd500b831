"""Forecasting baselines: Auto-AR (tuned linear autoregression) and reference forecasters.

Public classes live in their modules (imported lazily through the registry):
``autoar.AutoAR``, ``naive.LastValue``, ``naive.SeasonalNaive``, ``dlinear.DLinear``.
"""
from __future__ import annotations

_PKG = "sfmbench.baselines.forecasting"

#: registry name -> class (imported on first use)
ENTRIES: dict[str, str] = {
    "autoar": f"{_PKG}.autoar:AutoAR",
    "seasonal-naive": f"{_PKG}.naive:SeasonalNaive",
    "last-value": f"{_PKG}.naive:LastValue",
    "dlinear": f"{_PKG}.dlinear:DLinear",
}

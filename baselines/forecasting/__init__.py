"""Forecasting baselines: Auto-AR (tuned linear autoregression) and reference forecasters.

Public classes live in their modules (imported lazily through the registry):
``autoar.AutoAR``, ``naive.LastValue``, ``naive.SeasonalNaive``, ``dlinear.DLinear``.
"""
from __future__ import annotations

from sfmbench.registry import Registry

#: registry name -> (lazy import target, description)
METHODS: dict[str, tuple[str, str]] = {
    "autoar": ("sfmbench.baselines.forecasting.autoar:AutoAR",
               "Auto-AR: global linear AR(p) on differenced channels, p and d chosen on validation"),
    "seasonal-naive": ("sfmbench.baselines.forecasting.naive:SeasonalNaive",
                       "repeat the last season (period chosen on validation)"),
    "last-value": ("sfmbench.baselines.forecasting.naive:LastValue",
                   "repeat the last observed value"),
    "dlinear": ("sfmbench.baselines.forecasting.dlinear:DLinear",
                "DLinear-style trend/seasonal linear maps, closed-form ridge chosen on validation"),
}


def register(registry: Registry) -> None:
    """Register the forecasting baselines lazily."""
    for name, (target, description) in METHODS.items():
        registry.register(name, target, kind="baseline", problem="forecasting",
                          description=description)

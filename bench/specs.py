"""Declarative task specifications."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any


class ProblemType(str, Enum):
    """What a task asks for; decides the prediction format and the metrics."""

    CLASSIFICATION = "classification"  # y: (N,) int; predictions: (N, K) scores or (N,) labels
    MULTILABEL = "multilabel"          # y: (N, K) {0,1}; predictions: (N, K) scores
    SEGMENTATION = "segmentation"      # y: (N, H, W) int; predictions: (N, K, H, W) or (N, H, W)
    REGRESSION = "regression"          # y: (N,) or (N, D) float; predictions: same shape
    FORECASTING = "forecasting"        # windows of a (T, C) series; predictions: (n, H, C)


@dataclass(frozen=True)
class TaskSpec:
    """Everything a method and the harness need to know about a task, and its provenance."""

    name: str
    domain: str                       # genomics | satellite | timeseries | generated
    problem: ProblemType
    input_shape: tuple[int, ...]      # per sample: (C, L) or (C, H, W); forecasting: (lookback, C)
    primary_metric: str
    higher_is_better: bool
    metrics: tuple[str, ...]          # every metric reported; includes the primary one
    num_classes: int | None = None
    horizon: int | None = None        # forecasting only
    lookback: int | None = None       # forecasting only
    splits: str = ""                  # human-readable split definition
    source: str = ""                  # canonical URL or package
    license: str = ""
    citation: str = ""
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "problem", ProblemType(self.problem))
        if self.primary_metric not in self.metrics:
            object.__setattr__(self, "metrics", (self.primary_metric, *self.metrics))

    @property
    def direction(self) -> str:
        return "max" if self.higher_is_better else "min"

    def is_better(self, a: float, b: float) -> bool:
        """True if score ``a`` is strictly better than ``b`` in this task's direction."""
        return a > b if self.higher_is_better else a < b

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["problem"] = self.problem.value
        d["input_shape"] = list(self.input_shape)
        d["metrics"] = list(self.metrics)
        return d

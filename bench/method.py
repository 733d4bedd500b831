"""The Method extension point: baselines and foundation models implement the same contract.

A method receives the task spec, its resolved parameters and a :class:`RunContext`; it is fitted
on the train and validation splits and returns predictions for test *inputs*. It never sees test
labels and never computes the test metric: the harness does.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .data import TestInputs, TrainData
from .specs import ProblemType, TaskSpec

if TYPE_CHECKING:
    from .context import RunContext


@dataclass
class FitReport:
    """What a method reports about its fitting, stored in the result row."""

    best_val_metric: float | None = None           # in the task's primary metric, on validation
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    architecture: dict[str, Any] | None = None
    n_trials: int | None = None
    epochs: int | None = None
    stage_seconds: dict[str, float] = field(default_factory=dict)  # e.g. search, tune, retrain
    extra: dict[str, Any] = field(default_factory=dict)
    tune_seconds: float | None = None     # the part of fit() spent searching/tuning
    train_samples: int | None = None      # training samples one tuning trial / the fit saw
    truncated: bool = False               # a runaway guard (seconds) stopped work early


class Method(ABC):
    """Base class of every baseline and foundation model."""

    #: "baseline" or "fm"
    kind: ClassVar[str] = "baseline"
    #: True for baselines that tune themselves on validation data (compared against FMs)
    tuned: ClassVar[bool] = False
    #: problem types this method can solve
    problems: ClassVar[frozenset[ProblemType]] = frozenset()
    #: domains it claims (empty = any)
    domains: ClassVar[frozenset[str]] = frozenset()
    #: default parameters (the model YAML and overrides are merged over these)
    defaults: ClassVar[dict[str, Any]] = {}
    #: number of pretraining samples/tokens/series, where known (FMs)
    pretraining_data: ClassVar[str | None] = None
    #: True when the fitted model and its predictions do not depend on the seed (closed-form
    #: fits, fixed rules): a sweep runs such a method once per task, not once per seed
    deterministic: ClassVar[bool] = False

    def __init__(self, spec: TaskSpec, params: dict[str, Any], ctx: "RunContext") -> None:
        self.spec = spec
        self.params = {**self.defaults, **params}
        self.ctx = ctx

    @classmethod
    def contract_issues(cls, params: dict[str, Any] | None = None) -> list[str]:
        """Extra contract checks of a family of methods (FM bases override this); ``params``
        are the model YAML's params."""
        return []

    @classmethod
    def supports(cls, spec: TaskSpec) -> bool:
        """The problem type is declared; the task's modality (``spec.extra["modality"]``, else
        its domain) is among the declared domains, if any are declared."""
        modality = spec.extra.get("modality", spec.domain)
        return spec.problem in cls.problems and (not cls.domains or modality in cls.domains)

    @abstractmethod
    def fit(self, train: TrainData, val: TrainData) -> FitReport | None:
        """Fit (and tune) on train; select with val only."""

    @abstractmethod
    def predict(self, inputs: TestInputs) -> np.ndarray:
        """Predictions for the inputs (see :class:`ProblemType` for the layout)."""

    def parameter_count(self) -> tuple[int | None, int | None]:
        """(trainable, total) parameter counts; torch methods get this from their modules."""
        module = getattr(self, "model", None)
        if module is not None and hasattr(module, "parameters"):
            params = list(module.parameters())
            return (sum(p.numel() for p in params if p.requires_grad), sum(p.numel() for p in params))
        return None, None

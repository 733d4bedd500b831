"""The Method extension point: baselines and foundation models implement the same contract.

A method receives the task spec, its resolved parameters and a :class:`RunContext`; it is fitted
on the train and validation splits and returns predictions for test *inputs*. It never sees test
labels and never computes the test metric: the harness does.
"""
from __future__ import annotations

import inspect
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


def contract_issues(cls: Any, params: dict[str, Any] | None = None) -> list[str]:
    """What a method class lacks to meet the :class:`Method` contract (empty = it meets it).

    The one contract checker: the generic checks here, then the family's own through the
    :meth:`Method.contract_issues` hook (FMs: model id, recipes, pretraining data).
    ``params`` are the model YAML's params.
    """
    if not (isinstance(cls, type) and issubclass(cls, Method)):
        return [f"{cls!r} is not a subclass of sfmbench.Method (derive it from "
                "sfmbench.Method, or sfmbench.fms.base.FoundationModel for an FM)"]
    issues = []
    abstract = sorted(getattr(cls, "__abstractmethods__", ()))
    if abstract:
        issues.append(f"not implemented: {', '.join(abstract)}")
    for name in ("fit", "predict"):
        fn = getattr(cls, name, None)
        if fn is not None and name not in abstract and len(inspect.signature(fn).parameters) < 2:
            issues.append(f"{name}() takes no data argument")
    if not cls.problems:
        issues.append("no problems declared (set problems = frozenset({ProblemType....}))")
    elif not all(isinstance(p, ProblemType) for p in cls.problems):
        issues.append(f"problems {sorted(map(str, cls.problems))} are not all ProblemType members")
    if cls.kind not in ("baseline", "fm"):
        issues.append(f"kind is {cls.kind!r}, not 'baseline' or 'fm'")
    if not isinstance(cls.defaults, dict):
        issues.append("`defaults` must be a dict of parameter defaults")
    issues += [i for i in cls.contract_issues(params) if i not in issues]
    return issues

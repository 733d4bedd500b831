"""The Method extension point: baselines and foundation models implement the same contract.

A method receives the task spec, its resolved parameters and a :class:`RunContext`; it is fitted
on the train and validation splits and returns predictions for test *inputs*. It never sees test
labels and never computes the test metric: the harness does.
"""
from __future__ import annotations

import dataclasses
import inspect
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .budget import budget_param_issues
from .data import TestInputs, TrainData
from .errors import ConfigError
from .params import MethodParams, build_params, defaults_of, params_from_defaults
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
    #: True for the tuned baseline workflows FMs are measured against (a budgeted search on
    #: validation: DASHA, Auto-AR); False for references and floors, even those that pick a
    #: setting or two on validation (k-mer logistic regression, seasonal naive): the leaderboard
    #: takes its naive reference (the 0 of the normalized score) from these
    tuned: ClassVar[bool] = False
    #: the pip extra (``sfmbench[extra]``) whose packages this method needs; None = base install.
    #: A method module must import without its extra (import optional packages inside methods),
    #: so that listings and hints can read this attribute where the extra is missing.
    extra: ClassVar[str | None] = None
    #: one line for listings (default: the first line of the class docstring)
    description: ClassVar[str] = ""
    #: problem types this method can solve
    problems: ClassVar[frozenset[ProblemType]] = frozenset()
    #: domains it claims (empty = any)
    domains: ClassVar[frozenset[str]] = frozenset()
    #: the typed parameters (a :class:`~sfmbench.params.MethodParams` dataclass: type,
    #: default and doc of each; the model YAML, the budget and overrides are merged over it).
    #: A family subclasses its parent's ``Params`` to add fields or change defaults.
    Params: ClassVar[type[MethodParams]] = MethodParams
    #: the defaults of :attr:`Params` as a dict (derived, read-only by convention). A plugin
    #: may still declare ``defaults = {...}`` instead of ``Params``: an untyped ``Params`` is
    #: then derived from it (:func:`sfmbench.params.params_from_defaults`)
    defaults: ClassVar[dict[str, Any]] = {}
    #: the budget's counts (``sfmbench.budget.COUNT_FIELDS``) -> names of :attr:`Params` fields
    budget_params: ClassVar[dict[str, str]] = {}
    #: number of pretraining samples/tokens/series, where known (FMs)
    pretraining_data: ClassVar[str | None] = None
    #: True when the fitted model and its predictions do not depend on the seed (closed-form
    #: fits, fixed rules): a sweep runs such a method once per task, not once per seed
    deterministic: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__
        if "Params" not in own and isinstance(own.get("defaults"), dict):
            cls.Params = params_from_defaults(cls.__name__, cls.Params, own["defaults"])
        elif "defaults" not in own:
            cls.defaults = defaults_of(cls.Params)
        issues = budget_param_issues(cls)
        if issues:
            raise ConfigError(f"{cls.__name__}: " + "; ".join(issues),
                              "map budget counts to fields of the class's Params")

    def __init__(self, spec: TaskSpec, params: Mapping[str, Any] | MethodParams,
                 ctx: "RunContext") -> None:
        self.spec = spec
        #: the typed parameters (also readable as a mapping: ``self.params["key"]``)
        self.params: MethodParams = build_params(self.Params, params, type(self).__name__)
        self.ctx = ctx

    @classmethod
    def summary(cls) -> str:
        """One line describing the method: :attr:`description`, else the docstring's first line."""
        return cls.description or (cls.__doc__ or "").strip().split("\n", 1)[0]

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

    @classmethod
    def supports_params(cls, spec: TaskSpec, params: Mapping[str, Any]) -> bool:
        """Whether one configuration (a job's resolved ``params``) solves ``spec``, for a class
        that :meth:`supports` it; e.g. an adapter family without a segmentation decoder.
        The planner skips a configuration that does not, and says why."""
        return True

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


def method_supports(cls: type[Method], spec: TaskSpec,
                    params: Mapping[str, Any] | None = None) -> bool:
    """The class supports ``spec`` and, where the job's ``params`` are known, so do they."""
    return cls.supports(spec) and (params is None or cls.supports_params(spec, params))


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
    if not (isinstance(cls.Params, type) and issubclass(cls.Params, MethodParams)
            and dataclasses.is_dataclass(cls.Params)):
        issues.append("`Params` must be a dataclass deriving from sfmbench.params.MethodParams")
    if not isinstance(cls.defaults, dict):
        issues.append("`defaults` must be a dict of parameter defaults (or declare `Params`)")
    issues += budget_param_issues(cls)
    issues += [i for i in cls.contract_issues(params) if i not in issues]
    return issues

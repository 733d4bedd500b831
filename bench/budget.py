"""Typed work budgets: how much work every tuned method and FM does, in counts, never seconds.

A budget (``conf/budget/{smoke,cpu,paper}.yaml``) fixes the tuning trials, the successive-halving
schedule (first rung ``min_epochs``, ``reduction_factor``, top rung ``max_epochs``: the epochs of
one tuning trial), the epochs of the final fit, the training samples a tuning trial sees, and the
architecture-search epochs and samples. A method class maps these counts to fields of its
``Params`` (:attr:`budget_params`, e.g. ``{"trials": "n_trials"}``, checked when the class is
defined: :func:`budget_param_issues`); :func:`budget_defaults` puts them into the resolved job
parameters, so they are part of the job key and a model YAML may refine them per budget (its
``budgets.<name>`` section wins). ``guard_seconds`` is only a guard against a runaway
job: work it stops is recorded (``truncated=true`` on the row), it never sizes a normal run.
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Any

from .errors import ConfigError

#: the count fields a method may map to its parameters
COUNT_FIELDS: tuple[str, ...] = ("trials", "min_epochs", "reduction_factor", "max_epochs",
                                 "retrain_epochs", "train_samples", "search_epochs",
                                 "search_samples")


@dataclass(frozen=True)
class Budget:
    """The counts of one budget level (see the module docstring)."""

    name: str
    trials: int                          # hyperparameter trials per tuned method / FM
    max_epochs: int                      # epochs of one tuning trial (top successive-halving rung)
    retrain_epochs: int                  # epochs of the final fit of the chosen configuration
    min_epochs: int = 1                  # first successive-halving rung
    reduction_factor: int = 2            # successive-halving eta (rungs min, min*eta, ...)
    train_samples: int | None = None     # training samples per tuning trial; None = all
    search_epochs: int = 0               # architecture-search epochs (DASH)
    search_samples: int | None = None    # training samples of the architecture search; None = all
    guard_seconds: float | None = None   # runaway guard only; work it stops is marked truncated
    description: str = ""

    def __post_init__(self) -> None:
        positive = {"trials": self.trials, "max_epochs": self.max_epochs,
                    "retrain_epochs": self.retrain_epochs, "min_epochs": self.min_epochs,
                    "reduction_factor": self.reduction_factor}
        bad = {k: v for k, v in positive.items()
               if not isinstance(v, int) or isinstance(v, bool) or v < 1}
        for key in ("train_samples", "search_samples"):
            value = getattr(self, key)
            if value is not None and (not isinstance(value, int) or value < 1):
                bad[key] = value
        if not isinstance(self.search_epochs, int) or self.search_epochs < 0:
            bad["search_epochs"] = self.search_epochs
        if bad:
            raise ConfigError(f"budget {self.name!r} has invalid counts {bad}",
                              "trials, epochs and reduction_factor are integers >= 1; "
                              "train_samples/search_samples an integer >= 1 or null")
        if self.min_epochs > self.max_epochs:
            raise ConfigError(f"budget {self.name!r}: min_epochs {self.min_epochs} > max_epochs "
                              f"{self.max_epochs}", "the first rung cannot exceed the last")

    @classmethod
    def from_mapping(cls, data: dict[str, Any], name: str | None = None) -> "Budget":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"budget {name or data.get('name')!r} has unknown key(s) {unknown}",
                              f"allowed: {', '.join(sorted(known))}")
        missing = [k for k in ("trials", "max_epochs", "retrain_epochs") if k not in data]
        if missing:
            raise ConfigError(f"budget {name or data.get('name')!r} lacks {missing}",
                              "every budget gives trials, max_epochs and retrain_epochs")
        return cls(**{**data, "name": name or data.get("name", "")})

    def rungs(self) -> list[int]:
        """Epochs at which successive halving compares trials (the last rung is max_epochs)."""
        out, epoch = [], self.min_epochs
        while epoch < self.max_epochs:
            out.append(epoch)
            epoch *= self.reduction_factor
        return out + [self.max_epochs]

    def counts(self) -> dict[str, Any]:
        """The count fields, e.g. for ``sfmbench models show``."""
        return {k: getattr(self, k) for k in COUNT_FIELDS}


def load_budget(name: str) -> Budget:
    """The typed budget ``name`` (``conf/budget/NAME.yaml``)."""
    from .config import budget_config
    return Budget.from_mapping({k: v for k, v in budget_config(name).items()}, name)


def budget_param_issues(method_cls: type) -> list[str]:
    """What is wrong with a method's :attr:`budget_params`: a key that is no count field, or
    a target that is no field of its ``Params`` (empty = nothing)."""
    mapping = getattr(method_cls, "budget_params", None) or {}
    if not isinstance(mapping, dict):
        return [f"budget_params must be a dict (count -> parameter), got {mapping!r}"]
    issues = []
    unknown = sorted(set(mapping) - set(COUNT_FIELDS))
    if unknown:
        issues.append(f"budget_params maps unknown count(s) {unknown} (counts: "
                      f"{', '.join(COUNT_FIELDS)})")
    params_cls = getattr(method_cls, "Params", None)
    if dataclasses.is_dataclass(params_cls):
        names = {f.name for f in dataclasses.fields(params_cls)}
        missing = sorted(str(v) for v in mapping.values() if v not in names)
        if missing:
            issues.append(f"budget_params targets {missing} are not fields of "
                          f"{params_cls.__name__}")
    return issues


def budget_defaults(method_cls: type, budget: Budget) -> dict[str, Any]:
    """The method's parameters that the budget sets (its :attr:`budget_params` mapping)."""
    mapping: dict[str, str] = dict(getattr(method_cls, "budget_params", None) or {})
    return {param: getattr(budget, field) for field, param in mapping.items()}


def resolved_counts(method_cls: type, params: dict[str, Any]) -> dict[str, Any]:
    """The budget counts a method will use, read back from its resolved parameters."""
    mapping: dict[str, str] = dict(getattr(method_cls, "budget_params", None) or {})
    return {field: params.get(param) for field, param in mapping.items()}


class Guard:
    """A wall-clock guard against a runaway job: seconds left, and whether it stopped work."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.start = time.monotonic()
        self.tripped = False

    def remaining(self) -> float | None:
        """Seconds left (never below 0), or None without a guard."""
        if self.seconds is None:
            return None
        return max(0.0, self.seconds - (time.monotonic() - self.start))

    def trip(self) -> None:
        """Record that the guard stopped work (the row will say ``truncated``)."""
        self.tripped = True


__all__ = ["Budget", "COUNT_FIELDS", "Guard", "budget_defaults", "budget_param_issues",
           "load_budget", "resolved_counts"]

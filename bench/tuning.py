"""The optuna layer every tunable method uses.

One study per (task, method, seed, config) and stage, named deterministically from the job, kept
in the configured storage (the same database as the results), so an interrupted job resumes its
search where it stopped. Random sampling reproduces the reference study, TPE is available, and
successive halving (the ASHA schedule) or Hyperband prune on intermediate validation scores.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import optuna
from optuna.storages import RDBStorage
from optuna.trial import TrialState

from .context import RunContext
from .errors import ConfigError

import warnings

optuna.logging.set_verbosity(optuna.logging.WARNING)
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
log = logging.getLogger(__name__)

_STORAGES: dict[str, RDBStorage] = {}


def optuna_storage(url: str | None) -> RDBStorage | None:
    """An RDB storage with heartbeats (crashed trials are failed and retried); None = in memory."""
    if not url:
        return None
    if url not in _STORAGES:
        kwargs: dict[str, Any] = {}
        if url.startswith("sqlite"):
            kwargs["engine_kwargs"] = {"connect_args": {"timeout": 60}}
        _STORAGES[url] = RDBStorage(url, heartbeat_interval=30, grace_period=120,
                                    **_retry_callback(), **kwargs)
    return _STORAGES[url]


def _retry_callback() -> dict[str, Any]:
    """Retry trials whose worker died (optuna >= 4.9 renamed the argument)."""
    import optuna.storages as st
    if hasattr(st, "RetryHeartbeatStaleTrialCallback"):
        return {"heartbeat_stale_trial_callback": st.RetryHeartbeatStaleTrialCallback(max_retry=2)}
    return {"failed_trial_callback": st.RetryFailedTrialCallback(max_retry=2)}


def make_sampler(name: str, seed: int, search_space: dict[str, list[Any]] | None = None
                 ) -> optuna.samplers.BaseSampler:
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "grid":
        if not search_space:
            raise ConfigError("the grid sampler needs a search space")
        return optuna.samplers.GridSampler(search_space, seed=seed)
    raise ConfigError(f"unknown sampler {name!r}", "use one of: random, tpe, grid")


def make_pruner(name: str | None, *, min_resource: int = 1, reduction_factor: int = 2,
                max_resource: int | None = None) -> optuna.pruners.BasePruner:
    if not name or name == "none":
        return optuna.pruners.NopPruner()
    if name in ("sha", "asha", "successive_halving"):
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=min_resource,
                                                      reduction_factor=reduction_factor)
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=min_resource,
                                              max_resource=max_resource or "auto",
                                              reduction_factor=reduction_factor)
    if name == "median":
        return optuna.pruners.MedianPruner()
    raise ConfigError(f"unknown pruner {name!r}", "use one of: none, sha, hyperband, median")


def finished_trials(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    return study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED))


def optimize(ctx: RunContext, objective: Callable[[optuna.Trial], float], *, n_trials: int,
             direction: str, stage: str = "hpo", sampler: str = "random",
             search_space: dict[str, list[Any]] | None = None, pruner: str | None = None,
             pruner_kwargs: dict[str, Any] | None = None, timeout: float | None = None,
             catch: tuple[type[Exception], ...] = ()) -> optuna.Study:
    """Run (or resume) the job's study for ``stage`` until it has ``n_trials`` finished trials."""
    storage = optuna_storage(ctx.storage_url)
    name = ctx.study_name(stage)
    # a resumed study continues the sampler's sequence instead of repeating it
    existing = 0
    if storage is not None:
        try:
            existing = len(finished_trials(optuna.load_study(study_name=name, storage=storage)))
        except KeyError:
            existing = 0
    study = optuna.create_study(
        study_name=name, storage=storage, load_if_exists=True,
        direction="maximize" if direction in ("max", "maximize") else "minimize",
        sampler=make_sampler(sampler, ctx.seed + 7919 * existing, search_space),
        pruner=make_pruner(pruner, **(pruner_kwargs or {})))
    remaining = n_trials - len(finished_trials(study))
    if sampler == "grid" and search_space:
        import math
        remaining = min(remaining, math.prod(len(v) for v in search_space.values()))
    if remaining > 0:
        study.optimize(objective, n_trials=remaining, timeout=timeout, catch=catch,
                       gc_after_trial=False)
    return study


def best_trial(study: optuna.Study) -> optuna.trial.FrozenTrial:
    """The best completed trial; a clear error if every trial failed or was pruned."""
    done = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not done:
        raise RuntimeError(f"study {study.study_name!r} has no completed trial "
                           f"({len(study.trials)} trials, all failed or pruned)")
    return study.best_trial

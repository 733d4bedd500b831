"""The optuna layer every tunable method uses.

One study per (task, method, seed, config) and stage, named deterministically from the job, kept
in the configured storage (the same database as the results), so an interrupted job resumes its
search where it stopped. Random sampling reproduces the reference study, TPE is available, and
successive halving (the ASHA schedule) or Hyperband prune on intermediate validation scores.
"""
from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import optuna
from optuna.storages import RDBStorage
from optuna.trial import TrialState

from .context import RunContext
from .errors import ConfigError
from .signals import quiet_interrupts

optuna.logging.set_verbosity(optuna.logging.WARNING)
quiet_interrupts()  # a SIGTERM/Ctrl-C'd trial is marked failed without a logged traceback
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
        from .store import create_schema  # concurrent first use: one creator at a time
        _STORAGES[url] = create_schema(lambda: RDBStorage(
            url, heartbeat_interval=30, grace_period=120, **_retry_callback(), **kwargs), url)
    return _STORAGES[url]


def _retry_callback() -> dict[str, Any]:
    """Retry trials whose worker died (optuna >= 4.9 renamed the argument)."""
    import optuna.storages as st
    if hasattr(st, "RetryHeartbeatStaleTrialCallback"):
        return {"heartbeat_stale_trial_callback": st.RetryHeartbeatStaleTrialCallback(max_retry=2)}
    return {"failed_trial_callback": st.RetryFailedTrialCallback(max_retry=2)}


class GridFirstSampler(optuna.samplers.GridSampler):
    """optuna's grid sampler (seeded shuffle) with given complete points moved to the front.

    A point given to ``study.enqueue_trial`` gets no grid id, so optuna's grid sampler later
    evaluates that point again and never reaches another one; here trial ``n`` takes the
    ``n``-th point of the order, and a model's published recipe can simply be point 0.
    """

    def __init__(self, search_space: dict[str, list[Any]], seed: int | None = None,
                 first: list[dict[str, Any]] | None = None) -> None:
        super().__init__(search_space, seed=seed)
        names = sorted(search_space)
        front = [tuple(p[n] for n in names) for p in first or [] if set(p) == set(names)]
        front = [g for g in dict.fromkeys(front) if g in self._all_grids]
        self._all_grids = front + [g for g in self._all_grids if g not in front]


def _grid(seed: int, search_space: dict[str, list[Any]] | None,
          first: list[dict[str, Any]] | None) -> optuna.samplers.BaseSampler:
    if not search_space:
        raise ConfigError("the grid sampler needs a search space")
    return GridFirstSampler(search_space, seed=seed, first=first)


#: sampler name -> factory(seed, search_space, first points)
SAMPLERS: dict[str, Callable[..., optuna.samplers.BaseSampler]] = {
    "random": lambda seed, space, first: optuna.samplers.RandomSampler(seed=seed),
    "tpe": lambda seed, space, first: optuna.samplers.TPESampler(seed=seed),
    "grid": _grid,
}


def _sampler(name: str, seed: int, search_space: dict[str, list[Any]] | None = None,
             first: list[dict[str, Any]] | None = None) -> optuna.samplers.BaseSampler:
    if name not in SAMPLERS:
        raise ConfigError(f"unknown sampler {name!r}", f"use one of: {', '.join(SAMPLERS)}")
    return SAMPLERS[name](seed, search_space, first)


def trial_seed(seed: int, number: int) -> int:
    """The sampler seed of trial ``number`` of a study seeded with ``seed``."""
    return int(np.random.SeedSequence([int(seed), int(number)]).generate_state(1)[0])


class TrialSeededSampler(optuna.samplers.BaseSampler):
    """A sampler whose randomness is a function of (study seed, trial number) only.

    Trial ``n`` draws from a sampler seeded with ``trial_seed(seed, n)``, so a study that is
    interrupted and resumed (a new process, a new sampler object) continues the very sequence
    an uninterrupted run would have drawn, instead of repeating its first draws or reseeding.
    Model-based samplers (TPE) still see every finished trial of the stored study.
    """

    def __init__(self, name: str, seed: int, search_space: dict[str, list[Any]] | None = None,
                 first: list[dict[str, Any]] | None = None) -> None:
        self.name, self.seed, self.search_space = name, seed, search_space
        self._inner = _sampler(name, seed, search_space, first)
        self._grid = self._inner

    def _for(self, trial: optuna.trial.FrozenTrial) -> optuna.samplers.BaseSampler:
        if self.name == "grid":
            # the grid's order is a function of the study seed; trial n takes its n-th point
            return self._grid
        return _sampler(self.name, trial_seed(self.seed, trial.number), self.search_space)

    def before_trial(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        self._inner = self._for(trial)
        self._inner.before_trial(study, trial)

    def infer_relative_search_space(self, study: optuna.Study,
                                    trial: optuna.trial.FrozenTrial) -> dict[str, Any]:
        return self._inner.infer_relative_search_space(study, trial)

    def sample_relative(self, study: optuna.Study, trial: optuna.trial.FrozenTrial,
                        search_space: dict[str, Any]) -> dict[str, Any]:
        return self._inner.sample_relative(study, trial, search_space)

    def sample_independent(self, study: optuna.Study, trial: optuna.trial.FrozenTrial,
                           param_name: str, param_distribution: Any) -> Any:
        return self._inner.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(self, study: optuna.Study, trial: optuna.trial.FrozenTrial,
                    state: TrialState, values: Any) -> None:
        self._inner.after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:  # the sequence is fixed by (seed, trial number)
        return None


def make_sampler(name: str, seed: int, search_space: dict[str, list[Any]] | None = None,
                 first: list[dict[str, Any]] | None = None) -> optuna.samplers.BaseSampler:
    """A ``random``, ``tpe`` or ``grid`` sampler whose draws depend on (seed, trial number);
    a grid takes the complete points of ``first`` first (:class:`GridFirstSampler`)."""
    _sampler(name, seed, search_space)   # validate the name and arguments now
    return TrialSeededSampler(name, seed, search_space, first)


#: pruner name -> factory(min_resource, reduction_factor, max_resource)
PRUNERS: dict[str, Callable[[int, int, int | None], optuna.pruners.BasePruner]] = {
    "none": lambda lo, eta, hi: optuna.pruners.NopPruner(),
    "sha": lambda lo, eta, hi: optuna.pruners.SuccessiveHalvingPruner(
        min_resource=lo, reduction_factor=eta),
    "hyperband": lambda lo, eta, hi: optuna.pruners.HyperbandPruner(
        min_resource=lo, max_resource=hi or "auto", reduction_factor=eta),
    "median": lambda lo, eta, hi: optuna.pruners.MedianPruner(),
}
PRUNERS["asha"] = PRUNERS["successive_halving"] = PRUNERS["sha"]


def make_pruner(name: str | None, *, min_resource: int = 1, reduction_factor: int = 2,
                max_resource: int | None = None) -> optuna.pruners.BasePruner:
    factory = PRUNERS.get(name or "none")
    if factory is None:
        raise ConfigError(f"unknown pruner {name!r}", f"use one of: {', '.join(PRUNERS)}")
    return factory(min_resource, reduction_factor, max_resource)


def finished_trials(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    return study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED))


def optimize(ctx: RunContext, objective: Callable[[optuna.Trial], float], *, n_trials: int,
             direction: str, stage: str = "hpo", sampler: str = "random",
             search_space: dict[str, list[Any]] | None = None, pruner: str | None = None,
             pruner_kwargs: dict[str, Any] | None = None, timeout: float | None = None,
             catch: tuple[type[Exception], ...] = (),
             first_trials: list[dict[str, Any]] | None = None) -> optuna.Study:
    """Run (or resume) the job's study for ``stage`` until it has ``n_trials`` finished trials.

    ``first_trials`` (e.g. a model's published recipe) are enqueued when the study is new, so
    they are trials 0, 1, ... and count toward ``n_trials``; with the grid sampler they are
    the grid's first points instead (points that are not complete grid points are dropped).
    ``timeout`` (seconds) is only a runaway guard: when it is given and the study stops short
    of ``n_trials``, the context's guard (if any) is marked as tripped, so the row says
    ``truncated``. A resumed study continues its sampler's sequence (see
    :class:`TrialSeededSampler`).
    """
    storage = optuna_storage(ctx.storage_url)
    study = optuna.create_study(
        study_name=ctx.study_name(stage), storage=storage, load_if_exists=True,
        direction="maximize" if direction in ("max", "maximize") else "minimize",
        sampler=make_sampler(sampler, ctx.seed, search_space, first_trials),
        pruner=make_pruner(pruner, **(pruner_kwargs or {})))
    if first_trials and not study.trials and sampler != "grid":
        for params in first_trials:
            study.enqueue_trial(dict(params), skip_if_exists=True)
    remaining = n_trials - len(finished_trials(study))
    if sampler == "grid" and search_space:
        import math
        remaining = min(remaining, math.prod(len(v) for v in search_space.values()))
    if remaining > 0 and timeout is not None and timeout <= 0:
        stopped_by_guard(ctx)                     # the guard is spent: no trial starts
    elif remaining > 0:
        from .monitor import stage_context
        started = [len(finished_trials(study))]

        def watched(trial: optuna.Trial) -> float:  # the progress display shows trial k of n
            started[0] += 1
            with stage_context(f"{stage} trial", min(started[0], n_trials), n_trials):
                return objective(trial)

        study.optimize(watched, n_trials=remaining, timeout=timeout, catch=catch,
                       gc_after_trial=False)
        ran = sum(t.state.is_finished() for t in study.trials)   # failed trials ran too
        if timeout is not None and ran < n_trials:
            stopped_by_guard(ctx)
    return study


def stopped_by_guard(ctx: RunContext) -> None:
    """Record on the context's guard that a wall-clock limit cut work short."""
    guard = getattr(ctx, "guard", None)
    if guard is not None:
        guard.trip()


def best_trial(study: optuna.Study) -> optuna.trial.FrozenTrial:
    """The best completed trial; a clear error if every trial failed or was pruned."""
    done = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not done:
        raise RuntimeError(f"study {study.study_name!r} has no completed trial "
                           f"({len(study.trials)} trials, all failed or pruned)")
    return study.best_trial

"""The optuna layer: resumed studies continue their sampler's sequence, published recipes run
first, successive halving follows the budget, and the wall-clock guard marks truncation."""
from __future__ import annotations

import time

import optuna
import pytest

from sfmbench import RunContext
from sfmbench.budget import Guard
from sfmbench.errors import ConfigError
from sfmbench.tuning import (PRUNERS, SAMPLERS, make_pruner, make_sampler, optimize,
                              trial_seed)


def _ctx(tmp_path, name: str, seed: int = 0, **kw) -> RunContext:
    return RunContext(seed=seed, device="cpu", show_progress=False, study_prefix=name,
                      storage_url=f"sqlite:///{tmp_path / (name + '.db')}", **kw)


def _objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -1, 1)
    lr = trial.suggest_float("lr", 1e-5, 1.0, log=True)
    return x * x + lr


def _params(study: optuna.Study) -> list[dict]:
    return [t.params for t in sorted(study.trials, key=lambda t: t.number)]


@pytest.mark.parametrize("sampler", ["random", "tpe"])
def test_a_resumed_study_continues_the_sequence_of_an_uninterrupted_one(tmp_path, sampler):
    whole = optimize(_ctx(tmp_path, "whole"), _objective, n_trials=6, direction="minimize",
                     sampler=sampler)
    ctx = _ctx(tmp_path, "parts")
    optimize(ctx, _objective, n_trials=2, direction="minimize", sampler=sampler)
    resumed = optimize(ctx, _objective, n_trials=6, direction="minimize", sampler=sampler)
    assert len(resumed.trials) == 6
    assert _params(resumed) == _params(whole)
    # not a reseeded restart: the resumed draws are new points, not trials 0 and 1 again
    assert _params(resumed)[2:4] != _params(resumed)[:2]
    other = optimize(_ctx(tmp_path, "seed1", seed=1), _objective, n_trials=6,
                     direction="minimize", sampler=sampler)
    assert _params(other) != _params(whole)                     # the seed matters
    assert trial_seed(0, 1) != trial_seed(0, 2) and trial_seed(0, 1) == trial_seed(0, 1)


def test_the_first_trials_are_the_enqueued_recipe_and_count(tmp_path):
    ctx = _ctx(tmp_path, "first")
    study = optimize(ctx, _objective, n_trials=3, direction="minimize",
                     first_trials=[{"x": 0.5, "lr": 3e-5}])
    first = min(study.trials, key=lambda t: t.number)
    assert first.params == {"x": 0.5, "lr": 3e-5} and len(study.trials) == 3
    again = optimize(ctx, _objective, n_trials=4, direction="minimize",
                     first_trials=[{"x": 0.5, "lr": 3e-5}])       # resumed: not enqueued twice
    assert sum(t.params == {"x": 0.5, "lr": 3e-5} for t in again.trials) == 1


def test_a_grid_runs_the_recipe_first_and_never_repeats_a_point(tmp_path):
    space = {"objective": ["none", "mmd"], "lr": [1e-5, 5e-5, 1e-4, 2e-4]}

    def objective(trial: optuna.Trial) -> float:
        return {k: trial.suggest_categorical(k, v) for k, v in space.items()}["lr"]

    recipe = {"objective": "mmd", "lr": 5e-5}
    for seed in range(4):   # optuna's own grid + enqueue evaluated the recipe's point twice
        study = optimize(_ctx(tmp_path, f"grid{seed}", seed=seed), objective, n_trials=8,
                         direction="minimize", sampler="grid", search_space=space,
                         first_trials=[recipe])
        points = [tuple(sorted(p.items())) for p in _params(study)]
        assert _params(study)[0] == recipe and len(set(points)) == len(points) == 8
    # resumed in a new process: the same order, still no repeat
    ctx = _ctx(tmp_path, "grid-resume")
    optimize(ctx, objective, n_trials=3, direction="minimize", sampler="grid",
             search_space=space, first_trials=[recipe])
    resumed = optimize(ctx, objective, n_trials=8, direction="minimize", sampler="grid",
                       search_space=space, first_trials=[recipe])
    assert _params(resumed) == _params(optimize(_ctx(tmp_path, "grid0b"), objective, n_trials=8,
                                                direction="minimize", sampler="grid",
                                                search_space=space, first_trials=[recipe]))


def test_successive_halving_prunes_by_the_budget_schedule(tmp_path):
    ctx = _ctx(tmp_path, "sha")

    def objective(trial: optuna.Trial) -> float:
        quality = trial.suggest_float("q", 0, 1)
        for epoch in range(1, 5):
            trial.report(quality * epoch, epoch)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return quality * 4
    study = optimize(ctx, objective, n_trials=12, direction="maximize", pruner="sha",
                     pruner_kwargs={"min_resource": 1, "reduction_factor": 2})
    states = [t.state for t in study.trials]
    assert states.count(optuna.trial.TrialState.PRUNED) > 0
    assert states.count(optuna.trial.TrialState.COMPLETE) > 0


def test_a_guard_timeout_marks_the_context_truncated(tmp_path):
    guard = Guard(0.05)
    ctx = _ctx(tmp_path, "guard", guard=guard)

    def slow(trial: optuna.Trial) -> float:
        time.sleep(0.1)
        return trial.suggest_float("x", 0, 1)
    study = optimize(ctx, slow, n_trials=5, direction="minimize", timeout=guard.remaining())
    assert len(study.trials) < 5 and guard.tripped
    full = Guard(None)
    optimize(_ctx(tmp_path, "noguard", guard=full), slow, n_trials=2, direction="minimize")
    assert not full.tripped


def test_samplers_and_pruners_come_from_their_tables() -> None:
    for name in PRUNERS:
        assert isinstance(make_pruner(name, min_resource=1, reduction_factor=3,
                                      max_resource=9), optuna.pruners.BasePruner)
    assert isinstance(make_pruner(None), optuna.pruners.NopPruner)
    sha = make_pruner("sha", min_resource=2, reduction_factor=3)
    assert (sha._min_resource, sha._reduction_factor) == (2, 3)
    for name in SAMPLERS:
        assert isinstance(make_sampler(name, 0, {"x": [1, 2]}), optuna.samplers.BaseSampler)
    with pytest.raises(ConfigError, match="unknown pruner 'nope'"):
        make_pruner("nope")
    with pytest.raises(ConfigError, match="unknown sampler 'nope'"):
        make_sampler("nope", 0)
    with pytest.raises(ConfigError, match="grid sampler needs a search space"):
        make_sampler("grid", 0)


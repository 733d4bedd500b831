"""The shared training loop: checkpointing, divergence, pruning, losses, data sources."""
from __future__ import annotations

import copy

import numpy as np
import optuna
import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

from sfmbench import ArrayInputs, ArraySplit, ProblemType, TaskSpec
from sfmbench.errors import ConfigError
from sfmbench.training import (TrainConfig, TrainingDivergedError, loss_for, optuna_report,
                               predict_scores, scaled_milestones, sgd, step_schedule, train)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _spec(problem: ProblemType = ProblemType.CLASSIFICATION, metric: str = "mcc",
          higher: bool = True, k: int | None = 2) -> TaskSpec:
    return TaskSpec(name="generated/toy", domain="generated", problem=problem, input_shape=(4,),
                    primary_metric=metric, higher_is_better=higher, metrics=(metric,),
                    num_classes=k)


def _linear_data(n: int, seed: int) -> ArraySplit:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(np.int64)
    return ArraySplit(x, y)


def _model(seed: int = 0, out: int = 2) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, out))


def _config(epochs: int, **kw) -> TrainConfig:
    return TrainConfig(epochs=epochs, batch_size=32, show_progress=False, seed=0, **kw)


def test_learns_and_restores_the_best_validation_epoch():
    # "best" = lowest MCC: the loop must go back to an early epoch while training improves
    spec = _spec(higher=False)
    model = _model()
    snapshots: dict[int, dict] = {}

    def report(epoch: int, value: float) -> None:
        snapshots[epoch] = copy.deepcopy(model.state_dict())

    result = train(model, _linear_data(256, 0), _linear_data(128, 1), spec, _config(6),
                   optimizer=sgd(model.parameters(), 0.1), report=report)
    assert result.epochs_run == 6 and len(result.val_scores) == 6
    assert result.best_epoch == int(np.argmin(result.val_scores)) + 1
    assert result.best_score == min(result.val_scores)
    assert result.best_epoch != 6 and result.val_scores[-1] > result.best_score
    final = model.state_dict()
    for name, value in snapshots[result.best_epoch].items():
        torch.testing.assert_close(final[name], value)
    assert not torch.equal(final["2.weight"], snapshots[6]["2.weight"])


def test_higher_is_better_keeps_the_maximum():
    model = _model()
    val = _linear_data(128, 1)
    result = train(model, _linear_data(512, 0), val, _spec(), _config(5),
                   optimizer=sgd(model.parameters(), 0.1))
    assert result.best_score == max(result.val_scores) > 0.8
    assert result.train_losses[-1] < result.train_losses[0]
    from sfmbench.metrics import score
    assert score(_spec(), predict_scores(model, val), val.y) == pytest.approx(result.best_score)


def test_seeded_training_is_reproducible():
    runs = []
    for _ in range(2):
        model = _model()
        runs.append(train(model, _linear_data(256, 0), _linear_data(64, 1), _spec(), _config(2),
                          optimizer=sgd(model.parameters(), 0.1)).val_scores)
    assert runs[0] == runs[1]


def test_non_finite_loss_is_reported():
    model = _model()
    with torch.no_grad():
        model[0].weight.fill_(float("nan"))
    with pytest.raises(TrainingDivergedError, match="epoch 1, step 1") as info:
        train(model, _linear_data(64, 0), None, _spec(), _config(1),
              optimizer=sgd(model.parameters(), 0.1))
    assert "learning rate" in info.value.hint


def test_pruning_callback_stops_a_trial():
    def objective(trial: optuna.Trial) -> float:
        model = _model()
        result = train(model, _linear_data(128, 0), _linear_data(64, 1), _spec(), _config(5),
                       optimizer=sgd(model.parameters(), 0.1),
                       report=optuna_report(trial, "max"))
        return result.best_score

    study = optuna.create_study(direction="maximize",
                                pruner=optuna.pruners.ThresholdPruner(lower=2.0))
    study.optimize(objective, n_trials=2)
    assert all(t.state == optuna.trial.TrialState.PRUNED for t in study.trials)
    assert all(list(t.intermediate_values) == [1] for t in study.trials)


def test_reports_best_so_far_values():
    study = optuna.create_study(direction="maximize")

    def objective(trial: optuna.Trial) -> float:
        model = _model()
        return train(model, _linear_data(128, 0), _linear_data(64, 1), _spec(), _config(4),
                     optimizer=sgd(model.parameters(), 1.0),
                     report=optuna_report(trial, "max")).best_score

    study.optimize(objective, n_trials=1)
    values = list(study.trials[0].intermediate_values.values())
    assert values == sorted(values) and values[-1] == study.trials[0].value


def test_torch_dataset_source_and_multilabel_loss():
    spec = _spec(ProblemType.MULTILABEL, "map_macro", k=3)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 4)).astype(np.float32)
    y = np.stack([x[:, 0] > 0, x[:, 1] > 0, x[:, 2] > 0], 1).astype(np.int64)
    ds = TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    model = _model(out=3)
    result = train(model, ds, ds, spec, _config(3), optimizer=sgd(model.parameters(), 0.1))
    assert result.best_score > 0.6
    assert predict_scores(model, ds, batch_size=10).shape == (96, 3)


def test_regression_loss_and_time_limit():
    spec = _spec(ProblemType.REGRESSION, "mse", higher=False, k=None)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    data = ArraySplit(x, x[:, 0] * 2.0)
    model = _model(out=1)
    result = train(model, data, data, spec, _config(50, time_limit=0.0),
                   optimizer=sgd(model.parameters(), 0.01))
    assert result.epochs_run == 1 and result.stopped_early


def test_predict_scores_batches_match_one_forward():
    model = _model()
    x = _linear_data(50, 3).x
    full = model.eval()(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(predict_scores(model, ArrayInputs(x), batch_size=7), full,
                               rtol=1e-5, atol=1e-6)


def test_batch_fraction_limits_steps():
    model = _model()
    steps = []
    train(model, _linear_data(320, 0), None, _spec(), _config(2, batch_fraction=0.2),
          optimizer=sgd(model.parameters(), 0.1), before_step=lambda m: steps.append(1))
    assert len(steps) == 2 * 2   # 10 batches, 20 % of them, two epochs


def test_schedules_and_losses():
    opt = sgd(_model().parameters(), 1.0, momentum=0.9)
    assert opt.param_groups[0]["nesterov"]
    assert not sgd(_model().parameters(), 1.0, momentum=0.0).param_groups[0]["nesterov"]
    sched = step_schedule(opt, [1, 2])
    for _ in range(2):
        opt.step()
        sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.04)
    assert scaled_milestones([30, 60, 90, 120, 160], 200, 200) == [30, 60, 90, 120, 160]
    assert scaled_milestones([30, 60, 90, 120, 160], 200, 10) == [2, 3, 4, 6, 8]
    assert isinstance(loss_for("classification"), nn.CrossEntropyLoss)
    seg = loss_for(ProblemType.SEGMENTATION)(torch.randn(2, 3, 4, 4), torch.zeros(2, 4, 4).long())
    assert seg.ndim == 0


def test_bad_config():
    with pytest.raises(ConfigError):
        TrainConfig(epochs=1, batch_fraction=0.0)
    with pytest.raises(ConfigError):
        TrainConfig(epochs=-1)
    with pytest.raises(ConfigError):
        TrainConfig(epochs=1, scheduler_interval="batch")


def test_optimizer_and_scheduler_factories_step_per_batch():
    model = _model()
    seen = []

    def make_scheduler(opt):
        seen.append(opt)
        return torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 1.0 / (1 + step))

    train(model, _linear_data(128, 0), None, _spec(),
          _config(2, scheduler_interval="step"),
          optimizer=lambda params: sgd(params, 0.5), scheduler=make_scheduler)
    (opt,) = seen
    assert opt.param_groups[0]["params"][0] is next(model.parameters())
    assert opt.param_groups[0]["lr"] == pytest.approx(0.5 / (1 + 8))   # 4 batches x 2 epochs

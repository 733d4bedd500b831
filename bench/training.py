"""The one supervised training loop every neural method uses (baselines and FM fine-tuning).

It knows no task and no method: it takes a torch module, training and validation data (an
:class:`~sfmbench.data.ArraySplit` or any torch ``Dataset`` yielding ``(x, y)``), an optimizer
(or several), optional schedulers, and a :class:`TrainConfig`. It seeds, places the model on
the context's device (mixed precision and channels-last only on CUDA), clips gradients, scores
the validation split every epoch with the task's primary metric, keeps the best-on-validation
weights in memory and restores them at the end, reports to an optuna pruner, shows a progress
bar, and fails loudly on a non-finite loss.
"""
from __future__ import annotations

import contextlib
import copy
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from .data import ArrayInputs, ArraySplit
from .errors import ConfigError, SfmbenchError
from .metrics import score
from .monitor import report_stage
from .seeding import seed_everything
from .specs import ProblemType, TaskSpec

TrainSource = ArraySplit | Dataset
Report = Callable[[int, float], None]
OptimizerArg = (torch.optim.Optimizer | Sequence[torch.optim.Optimizer]
                | Callable[[Any], torch.optim.Optimizer])
StepHook = Callable[[nn.Module], None]


class TrainingDivergedError(SfmbenchError):
    """The training loss became NaN or infinite."""


@dataclass
class TrainConfig:
    """How long and how to train; everything the loop does not get from its arguments."""

    epochs: int
    batch_size: int = 128
    eval_batch_size: int = 512
    grad_clip: float | None = None        # max global gradient norm; None = no clipping
    batch_fraction: float = 1.0           # share of the training batches used per epoch
    mixed_precision: bool = True          # float16 autocast + GradScaler, CUDA only
    channels_last: bool = True            # for 4-D inputs, CUDA only
    time_limit: float | None = None       # runaway guard only (seconds left of the job's guard):
                                          # no epoch starts that would end past it; the result
                                          # says stopped_early, the row truncated=true
    show_progress: bool = True
    description: str = "train"
    seed: int | None = None               # seeds torch/numpy before batching when given
    scheduler_interval: str = "epoch"     # step schedulers once per "epoch" or per "step"

    def __post_init__(self) -> None:
        if (self.epochs < 0 or self.batch_size < 1 or not 0 < self.batch_fraction <= 1
                or self.scheduler_interval not in ("epoch", "step")):
            raise ConfigError(f"invalid training config {self}",
                              "epochs >= 0, batch_size >= 1, 0 < batch_fraction <= 1 and "
                              "scheduler_interval 'epoch' or 'step'")


@dataclass
class TrainResult:
    """What happened: per-epoch losses and validation scores, and the restored best epoch."""

    epochs_run: int = 0
    best_epoch: int | None = None         # 1-based; None when there was no validation
    best_score: float | None = None
    val_scores: list[float] = field(default_factory=list)
    train_losses: list[float] = field(default_factory=list)
    seconds: float = 0.0
    stopped_early: bool = False           # the guard's time limit cut the epochs short


# losses ------------------------------------------------------------------------------------

class _MultilabelLoss(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.inner = nn.MultiLabelSoftMarginLoss()

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return self.inner(logits, target.float())


class _RegressionLoss(nn.Module):
    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return nn.functional.mse_loss(pred.reshape(target.shape), target.float())


_LOSSES: dict[ProblemType, Callable[[], nn.Module]] = {
    ProblemType.CLASSIFICATION: nn.CrossEntropyLoss,
    ProblemType.SEGMENTATION: nn.CrossEntropyLoss,   # (N, K, H, W) logits vs (N, H, W) labels
    ProblemType.MULTILABEL: _MultilabelLoss,
    ProblemType.REGRESSION: _RegressionLoss,
    ProblemType.FORECASTING: _RegressionLoss,
}

_SAME_SHAPE = (ProblemType.REGRESSION, ProblemType.FORECASTING)

_TARGET_DTYPES: dict[ProblemType, torch.dtype] = {
    ProblemType.CLASSIFICATION: torch.long, ProblemType.SEGMENTATION: torch.long,
}


def loss_for(problem: ProblemType | str) -> nn.Module:
    """The standard loss of a problem type (CE, multilabel soft margin, per-pixel CE, MSE)."""
    return _LOSSES[ProblemType(problem)]()


# optimizers and schedules ------------------------------------------------------------------

def sgd(params: Any, lr: float, momentum: float = 0.9, weight_decay: float = 0.0
        ) -> torch.optim.SGD:
    """SGD, Nesterov whenever momentum is non-zero (as the reference workflows use it)."""
    return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay,
                           nesterov=momentum > 0)


def step_schedule(optimizer: torch.optim.Optimizer, milestones: Sequence[int],
                  gamma: float = 0.2) -> torch.optim.lr_scheduler.MultiStepLR:
    """Multiply the learning rate by ``gamma`` after each milestone epoch (stepped per epoch)."""
    return torch.optim.lr_scheduler.MultiStepLR(optimizer, list(milestones), gamma=gamma)


def scaled_milestones(milestones: Sequence[int], reference_epochs: int, epochs: int) -> list[int]:
    """Milestones of a ``reference_epochs`` schedule stretched to ``epochs`` (at least epoch 1)."""
    if epochs >= reference_epochs:
        return list(milestones)
    return sorted({max(1, round(m * epochs / reference_epochs)) for m in milestones
                   if round(m * epochs / reference_epochs) < epochs})


# optuna ------------------------------------------------------------------------------------

def optuna_report(trial: Any, direction: str) -> Report:
    """A ``report`` callback: best-so-far validation score to ``trial``; prunes when told to."""
    import optuna

    best: list[float] = []
    better = max if direction in ("max", "maximize") else min

    def report(epoch: int, value: float) -> None:
        best[:] = [value if not best else better(best[0], value)]
        trial.report(best[0], epoch)
        if trial.should_prune():
            raise optuna.TrialPruned(f"pruned after epoch {epoch}")
    return report


# data --------------------------------------------------------------------------------------

def _target_tensor(y: np.ndarray, problem: ProblemType) -> torch.Tensor:
    return torch.as_tensor(np.asarray(y)).to(_TARGET_DTYPES.get(problem, torch.float32))


class _Batches:
    """Shuffled mini-batches of an in-memory ArraySplit or of a torch Dataset."""

    def __init__(self, data: TrainSource, batch_size: int, problem: ProblemType, *,
                 shuffle: bool, fraction: float = 1.0) -> None:
        self.batch_size, self.shuffle, self.problem = batch_size, shuffle, problem
        # a task's training augmentation (flips, rotations...): training batches only
        self.augment = getattr(data, "augment", None) if shuffle else None
        if isinstance(data, ArraySplit):
            self.x = torch.as_tensor(np.ascontiguousarray(data.x, dtype=np.float32))
            self.y = _target_tensor(data.y, problem)
            self.loader = None
            n = len(data)
        else:
            self.loader = DataLoader(data, batch_size=batch_size, shuffle=shuffle)
            n = len(data)  # type: ignore[arg-type]
        full = math.ceil(n / batch_size)
        self.n_batches = max(1, math.ceil(full * fraction)) if n else 0

    def __len__(self) -> int:
        return self.n_batches

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        if self.loader is not None:
            for i, (xb, yb) in enumerate(self.loader):
                if i >= self.n_batches:
                    break
                yield (xb if isinstance(xb, dict) else torch.as_tensor(xb).float(),
                       _target_tensor(yb, self.problem))
            return
        n = len(self.x)
        order = torch.randperm(n) if self.shuffle else torch.arange(n)
        for i in range(self.n_batches):
            idx = order[i * self.batch_size:(i + 1) * self.batch_size]
            xb, yb = self.x[idx], self.y[idx]
            yield self.augment(xb, yb) if self.augment is not None else (xb, yb)


def _targets_of(data: TrainSource) -> np.ndarray:
    if isinstance(data, ArraySplit):
        return np.asarray(data.y)
    return np.stack([np.asarray(data[i][1]) for i in range(len(data))])  # type: ignore[arg-type]


# the loop ----------------------------------------------------------------------------------

def _is_cuda(device: str | torch.device) -> bool:
    return torch.device(device).type == "cuda"


def _to_device(x: Any, device: torch.device, channels_last: bool) -> Any:
    """Move a tensor (or a dict of tensors, e.g. tokenized FM inputs) to ``device``."""
    if isinstance(x, dict):
        return {k: _to_device(v, device, False) for k, v in x.items()}
    x = x.to(device, non_blocking=True)
    if channels_last and x.dim() == 4:
        x = x.contiguous(memory_format=torch.channels_last)
    return x


def _forward(model: nn.Module, x: Any) -> torch.Tensor:
    out = model(**x) if isinstance(x, dict) else model(x)
    return getattr(out, "logits", out)   # HF models return an output object


def _progress(enabled: bool) -> Any:
    if not enabled:
        return contextlib.nullcontext(None)
    from .progress import make_progress
    return make_progress(transient=True)


def _as_list(x: Any) -> list[Any]:
    if x is None:
        return []
    return list(x) if isinstance(x, (list, tuple)) else [x]


def train(model: nn.Module, train_data: TrainSource, val_data: TrainSource | None,
          spec: TaskSpec, config: TrainConfig, *,
          optimizer: OptimizerArg,
          scheduler: Any = None, device: str | torch.device = "cpu",
          loss_fn: nn.Module | None = None, report: Report | None = None,
          before_step: StepHook | None = None) -> TrainResult:
    """Train ``model`` in place; with validation data, restore its best-on-validation weights.

    ``optimizer`` and ``scheduler`` may be lists (e.g. network and architecture weights), or
    factories: ``optimizer(model.parameters())`` and ``scheduler(optimizer)`` are then called
    after the model is on its device. Schedulers step once per epoch, or per optimizer step
    with ``config.scheduler_interval="step"``. ``before_step(model)`` runs after ``backward`` and
    clipping, before the optimizer steps (e.g. to rescale architecture gradients). ``report``
    gets ``(epoch, validation score)`` after each epoch and may raise ``optuna.TrialPruned``.
    """
    if config.seed is not None:
        seed_everything(config.seed)
    dev = torch.device(device)
    cuda = _is_cuda(dev)
    channels_last = cuda and config.channels_last
    model.to(dev)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    if callable(optimizer) and not isinstance(optimizer, torch.optim.Optimizer):
        optimizer = optimizer(model.parameters())
    optimizers = _as_list(optimizer)
    if callable(scheduler) and not hasattr(scheduler, "step"):
        scheduler = [scheduler(opt) for opt in optimizers]
    schedulers = _as_list(scheduler)
    per_step = config.scheduler_interval == "step"
    criterion = (loss_fn or loss_for(spec.problem)).to(dev)
    amp = cuda and config.mixed_precision
    scaler = torch.amp.GradScaler("cuda") if amp else None
    batches = _Batches(train_data, config.batch_size, spec.problem, shuffle=True,
                       fraction=config.batch_fraction)
    y_val = _targets_of(val_data) if val_data is not None else None
    better = spec.is_better
    result, best_state = TrainResult(), None
    start = time.perf_counter()
    with _progress(config.show_progress) as progress:
        bar = progress.add_task(config.description, total=config.epochs * len(batches),
                                status="") if progress else None
        for epoch in range(1, config.epochs + 1):
            report_stage(f"{config.description} epoch", epoch, config.epochs)
            model.train()
            total, count = 0.0, 0
            for step, (xb, yb) in enumerate(batches):
                xb, yb = _to_device(xb, dev, channels_last), yb.to(dev, non_blocking=True)
                for opt in optimizers:
                    opt.zero_grad(set_to_none=True)
                with torch.autocast("cuda", dtype=torch.float16, enabled=amp):
                    loss = criterion(_forward(model, xb), yb)
                if not torch.isfinite(loss):
                    raise TrainingDivergedError(
                        f"{config.description}: the training loss is {loss.item()} at epoch "
                        f"{epoch}, step {step + 1}",
                        "lower the learning rate or momentum, or enable gradient clipping")
                if scaler is not None:
                    scaler.scale(loss).backward()
                    for opt in optimizers:
                        scaler.unscale_(opt)
                else:
                    loss.backward()
                if config.grad_clip:
                    nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
                if before_step is not None:
                    before_step(model)
                for opt in optimizers:
                    if scaler is not None:
                        scaler.step(opt)
                    else:
                        opt.step()
                if scaler is not None:
                    scaler.update()
                if per_step:
                    for sched in schedulers:
                        sched.step()
                n = len(yb)
                total += float(loss.detach()) * n
                count += n
                if progress:
                    progress.update(bar, advance=1)
            if not per_step:
                for sched in schedulers:
                    sched.step()
            result.train_losses.append(total / max(count, 1))
            result.epochs_run = epoch
            info = f"loss {result.train_losses[-1]:.4f}"
            if val_data is not None:
                preds = predict_scores(model, val_data, config.eval_batch_size, dev,
                                       mixed_precision=config.mixed_precision,
                                       channels_last=config.channels_last)
                if spec.problem in _SAME_SHAPE and preds.size == y_val.size:
                    preds = preds.reshape(y_val.shape)   # (N, 1) outputs for (N,) targets
                if not np.isfinite(preds).all():
                    raise TrainingDivergedError(
                        f"{config.description}: validation outputs are NaN or infinite after "
                        f"epoch {epoch}", "lower the learning rate or momentum, or enable "
                        "gradient clipping")
                value = score(spec, preds, y_val)
                result.val_scores.append(value)
                info += f"  val {spec.primary_metric} {value:.4f}"
                if result.best_score is None or better(value, result.best_score):
                    result.best_score, result.best_epoch = value, epoch
                    best_state = copy.deepcopy(model.state_dict())
                if report is not None:
                    report(epoch, value)
            if progress:
                progress.update(bar, status=info)
            elapsed = time.perf_counter() - start
            per_epoch = elapsed / epoch
            if config.time_limit is not None and elapsed + per_epoch > config.time_limit:
                result.stopped_early = epoch < config.epochs  # the next epoch would overrun
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    result.seconds = time.perf_counter() - start
    return result


def scores_to_outputs(scores: np.ndarray, problem: ProblemType) -> np.ndarray:
    """Raw model outputs -> predictions: sigmoid for multilabel, softmax over axis 1 for
    classification and segmentation, unchanged otherwise (regression, forecasting)."""
    from .specs import ProblemType
    if problem is ProblemType.MULTILABEL:
        return torch.sigmoid(torch.from_numpy(scores)).numpy()
    if problem in (ProblemType.CLASSIFICATION, ProblemType.SEGMENTATION):
        return torch.from_numpy(scores).softmax(1).numpy()
    return scores


@torch.no_grad()
def predict_scores(model: nn.Module, inputs: TrainSource | ArrayInputs | np.ndarray,
                   batch_size: int = 512, device: str | torch.device | None = None, *,
                   mixed_precision: bool = True, channels_last: bool = True) -> np.ndarray:
    """The model's raw outputs (logits/scores) for ``inputs``, batched, as float32 numpy."""
    dev = torch.device(device) if device is not None else next(model.parameters()).device
    cuda = _is_cuda(dev)
    model.eval()
    if isinstance(inputs, (ArraySplit, ArrayInputs)):
        chunks: Any = (inputs.x[i:i + batch_size] for i in range(0, len(inputs.x), batch_size))
    elif isinstance(inputs, np.ndarray):
        chunks = (inputs[i:i + batch_size] for i in range(0, len(inputs), batch_size))
    else:
        chunks = (xb for xb, _ in DataLoader(inputs, batch_size=batch_size))
    out = []
    for xb in chunks:
        xb = xb if isinstance(xb, (dict, torch.Tensor)) else np.asarray(xb, dtype=np.float32)
        x = _to_device(xb if isinstance(xb, dict) else torch.as_tensor(xb).float(), dev,
                       cuda and channels_last)
        with torch.autocast("cuda", dtype=torch.float16, enabled=cuda and mixed_precision):
            out.append(_forward(model, x).float().cpu().numpy())
    if not out:
        raise SfmbenchError("predict_scores got no inputs", "pass at least one sample")
    return np.concatenate(out)

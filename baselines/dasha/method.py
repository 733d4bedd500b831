"""DASHA: DASH architecture search, then ASHA-style hyperparameter search, then retraining.

Stages (all on the training and validation splits; the test split is only ever predicted):

1. **search** - the backbone with every searchable conv replaced by a DASH mixture; network and
   architecture weights train jointly on the training loss; each layer keeps its argmax (k, d).
2. **tune** - random search with successive-halving pruning (``sfmbench.tuning.optimize``) over
   lr, dropout, weight decay, momentum and the initialisation seed; each trial trains the
   searched network and reports its best-so-far validation score every epoch.
3. **retrain** - the best trial's hyperparameters and initial weights (rebuilt from its seed),
   SGD Nesterov with a x0.2 step schedule, the best-on-validation epoch kept.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, ClassVar, Optional

import numpy as np
import optuna
import torch
from torch import nn

from sfmbench.data import (ArraySplit, TestInputs, TrainData, array_inputs, array_split,
                           tuning_subset)
from sfmbench.errors import ConfigError, DataError
from sfmbench.method import FitReport, Method
from sfmbench.params import MethodParams, param
from sfmbench.seeding import seed_everything
from sfmbench.specs import ProblemType
from sfmbench.training import (
    TrainConfig,
    TrainingDivergedError,
    optuna_report,
    predict_scores,
    scaled_milestones,
    scores_to_outputs,
    sgd,
    step_schedule,
)
from sfmbench.training import train as train_loop
from sfmbench.tuning import best_trial, finished_trials, optimize

from .mixture import (
    SearchSpace,
    arch_parameters,
    as_pairs,
    scale_arch_gradients,
    selected_architecture,
    weight_parameters,
)
from .networks import BACKBONE_NDIM, FixedConvs, MixtureConvs, build_backbone

#: reference step schedules (epoch milestones, x0.2) and the epoch count they were written for
SCHEDULES: dict[str, dict[int, tuple[list[int], int]]] = {
    "search": {1: ([30, 60, 80], 100), 2: ([30, 60, 80], 100)},
    "tune": {1: ([6, 12, 18, 24, 32], 20), 2: ([12, 24, 32], 20)},
    "retrain": {1: ([30, 60, 90, 120, 160], 200), 2: ([60, 120, 160], 200)},
}
_INPUT_NDIM = {3: "resnet1d", 4: "wrn"}
#: per-backbone defaults of the params left null (the published settings, dasha.md sections 2,
#: 5, 6): 1-D ResNet width = mid channels; WRN search WRN-22-1, retrain WRN-22-8 (width = widen
#: factor) over the satellite grid; UNet (segmentation) depth = levels, width = first channels
BACKBONE_DEFAULTS: dict[str, dict[str, Any]] = {
    "resnet1d": {"width": 128, "search_width": None, "depth": 22, "kernels": [3, 5, 7, 9, 11],
                 "dilations": [1, 3, 5, 7], "batch_size": 128},
    "wrn": {"width": 8, "search_width": 1, "depth": 22, "kernels": [3, 5, 7, 9],
            "dilations": [1, 3, 7, 15], "batch_size": 16},
    "unet": {"width": 64, "search_width": 16, "depth": 4, "kernels": [3, 5, 7, 9],
             "dilations": [1, 3, 7, 15], "batch_size": 16},
}


@dataclass
class DashaParams(MethodParams):
    """DASHA's parameters: backbone, DASH search (stage 1), hyperparameter search (stage 2),
    retraining (stage 3). A null network setting takes the backbone's value in ``backbones``."""

    backbone: str = param("auto", "resnet1d for (C, L), wrn for (C, H, W), unet; auto = by the "
                                  "input shape (unet for segmentation)")
    width: Optional[int] = param(None, "resnet1d mid channels / wrn widen factor / unet first "
                                       "channels (null = the backbone's)")
    search_width: Optional[int] = param(None, "width of the search net (null = width)")
    depth: Optional[int] = param(None, "wrn depth (6n + 4) / unet levels (null = the "
                                       "backbone's)")
    kernels: Optional[list[int]] = param(None, "kernel sizes searched (null = the backbone's)")
    dilations: Optional[list[int]] = param(None, "dilations searched (null = the backbone's)")
    backbones: dict[str, dict[str, Any]] = param(
        BACKBONE_DEFAULTS, "per-backbone values of the settings left null (width, "
                           "search_width, depth, kernels, dilations, batch_size)")
    grad_scale: float = param(100.0, "factor on the architecture weights' gradients")
    depthwise_search: bool = param(True, "C_in == C_out layers search a depthwise proxy")
    fft: Any = param("auto", "FFT convolution in the search mixture: auto, true or false")
    batch_size: Optional[int] = param(None, "training batch size (null = the backbone's)")
    eval_batch_size: int = param(512, "batch size of validation and test predictions")
    mixed_precision: bool = param(True, "float16 autocast on CUDA (ignored on CPU)")
    search: bool = param(True, "stage 1: run the DASH (kernel, dilation) search")
    search_epochs: int = param(100, "DASH search epochs (budget: search_epochs)")
    search_batch_fraction: float = param(0.2, "share of the batches seen per search epoch")
    search_subsample: Any = param(None, "search training samples: an int count, a float "
                                        "fraction or null = all (budget: search_samples)")
    search_lr: float = param(0.1, "SGD learning rate of the network weights in the search")
    search_arch_lr: float = param(0.05, "SGD learning rate of the architecture weights")
    search_weight_decay: float = param(5e-4, "weight decay in the search")
    search_grad_clip: Optional[float] = param(1.0, "gradient-norm clip in the search (null = "
                                                   "none)")
    tune: bool = param(True, "stage 2: run the hyperparameter search")
    n_trials: int = param(120, "hyperparameter trials (budget: trials)")
    hpo_epochs: int = param(20, "epochs of one trial, the top rung (budget: max_epochs)")
    hpo_subsample: Any = param(None, "training samples per trial: an int count, a float "
                                     "fraction or null = all (budget: train_samples)")
    hpo_min_epochs: int = param(1, "successive halving: first rung (budget: min_epochs)")
    hpo_reduction_factor: int = param(2, "successive halving: eta (budget: reduction_factor)")
    lr_range: list[float] = param([1e-5, 0.5], "learning-rate range searched (log scale)")
    dropout_choices: list[float] = param([0.0, 0.05, 0.1], "dropout values searched")
    weight_decay_range: list[float] = param([5e-7, 5e-3], "weight-decay range (log scale)")
    momentum_range: list[float] = param([0.9, 1.0], "SGD momentum range searched")
    seed_range: list[int] = param([0, 500], "range of the searched initialisation seed")
    lr: float = param(0.01, "learning rate when tune is off")
    dropout: float = param(0.0, "dropout when tune is off")
    weight_decay: float = param(5e-4, "weight decay when tune is off")
    momentum: float = param(0.9, "SGD momentum when tune is off")
    retrain_epochs: int = param(200, "stage 3: epochs of the final fit (budget: "
                                     "retrain_epochs)")


@dataclass
class ResNet1DParams(DashaParams):
    """DASHA's 1-D ResNet without search or tuning."""

    backbone: str = param("resnet1d")
    width: Optional[int] = param(64)
    search: bool = param(False)
    tune: bool = param(False)
    lr: float = param(0.05)
    retrain_epochs: int = param(20)


@dataclass
class WRNParams(DashaParams):
    """DASHA's Wide-ResNet without search or tuning."""

    backbone: str = param("wrn")
    width: Optional[int] = param(2)
    depth: Optional[int] = param(16)
    search: bool = param(False)
    tune: bool = param(False)
    lr: float = param(0.05)
    retrain_epochs: int = param(30)


class Dasha(Method):
    """The tuned supervised workflow of Xu et al. (ICLR 2025) for genomics and images."""

    description: ClassVar[str] = (
        "DASH (kernel, dilation) search + ASHA hyperparameter search + retraining of a ResNet "
        "/ Wide-ResNet / UNet, 1-D and 2-D (Xu et al. 2025)"
    )

    kind: ClassVar[str] = "baseline"
    tuned: ClassVar[bool] = True
    problems: ClassVar[frozenset[ProblemType]] = frozenset(
        {ProblemType.CLASSIFICATION, ProblemType.MULTILABEL, ProblemType.REGRESSION,
         ProblemType.SEGMENTATION})
    domains: ClassVar[frozenset[str]] = frozenset({"genomics", "satellite"})
    Params: ClassVar[type[MethodParams]] = DashaParams
    #: the budget's counts (conf/budget/*.yaml) -> these parameters (see sfmbench.budget)
    budget_params: ClassVar[dict[str, str]] = {
        "trials": "n_trials", "min_epochs": "hpo_min_epochs",
        "reduction_factor": "hpo_reduction_factor", "max_epochs": "hpo_epochs",
        "retrain_epochs": "retrain_epochs", "train_samples": "hpo_subsample",
        "search_epochs": "search_epochs", "search_samples": "search_subsample"}

    params: DashaParams

    def __init__(self, spec: Any, params: Any, ctx: Any) -> None:
        super().__init__(spec, params, ctx)
        self.model: nn.Module | None = None
        self.backbone = self._backbone()
        per_backbone = dict((self.params.backbones or {}).get(self.backbone) or {})
        for key, value in per_backbone.items():   # fill the params left null
            if self.params.get(key) is None:
                setattr(self.params, key, value)
        missing = [k for k in ("width", "depth", "kernels", "dilations", "batch_size")
                   if self.params.get(k) is None]
        if missing:
            raise ConfigError(f"DASHA has no {', '.join(missing)} for backbone "
                              f"{self.backbone!r}", f"set model.backbones.{self.backbone}."
                              f"{missing[0]}=... or model.{missing[0]}=...")
        self.space = SearchSpace(tuple(self.params.kernels), tuple(self.params.dilations))

    # helpers -------------------------------------------------------------------------------
    def _backbone(self) -> str:
        name = self.params.backbone
        if name == "auto" and self.spec.problem is ProblemType.SEGMENTATION:
            name = "unet"
        if name == "auto":
            name = _INPUT_NDIM.get(len(self.spec.input_shape) + 1)
            if name is None:
                raise DataError(f"DASHA takes (C, L) or (C, H, W) samples, task "
                                f"{self.spec.name!r} has shape {self.spec.input_shape}",
                                "set params.backbone explicitly")
        return name

    def _num_outputs(self, train: ArraySplit) -> int:
        if self.spec.problem is ProblemType.REGRESSION:
            return int(np.prod(train.y.shape[1:])) if train.y.ndim > 1 else 1
        if not self.spec.num_classes:
            raise ConfigError(f"task {self.spec.name!r} declares no num_classes")
        return self.spec.num_classes

    def _build(self, conv: Any, *, width: int, dropout: float, seed: int | None = None
               ) -> nn.Module:
        if seed is not None:
            torch.manual_seed(seed)   # the trial's seed fixes its initial weights
        return build_backbone(self.backbone, self.in_channels, self.n_out, width=width,
                              depth=self.params.depth, dropout=dropout, conv=conv)

    def _config(self, stage: str, epochs: int, **kw: Any) -> TrainConfig:
        return TrainConfig(epochs=epochs, batch_size=self.params.batch_size,
                           eval_batch_size=self.params.eval_batch_size,
                           mixed_precision=bool(self.params.mixed_precision),
                           show_progress=self.ctx.show_progress, description=f"dasha {stage}",
                           **kw)

    def _schedule(self, stage: str, optimizer: torch.optim.Optimizer, epochs: int) -> Any:
        milestones, reference = SCHEDULES[stage][BACKBONE_NDIM[self.backbone]]
        return step_schedule(optimizer, scaled_milestones(milestones, reference, epochs))

    def _check(self, split: TrainData, name: str) -> ArraySplit:
        split = array_split(split, "DASHA", name)
        want = len(self.spec.input_shape) + 1
        if split.x.ndim != want or tuple(split.x.shape[1:]) != tuple(self.spec.input_shape):
            raise DataError(f"{name} inputs have shape {split.x.shape}, the task declares "
                            f"(N, {', '.join(map(str, self.spec.input_shape))})",
                            "check the task loader")
        return split

    # stages --------------------------------------------------------------------------------
    def _search(self, train: ArraySplit) -> tuple[list[tuple[int, int]] | None, int]:
        p = self.params
        if not p.search:
            return None, 0
        seed_everything(self.ctx.seed)
        model = self._build(MixtureConvs(BACKBONE_NDIM[self.backbone], self.space,
                                         p.depthwise_search, p.fft),
                            width=p.search_width or p.width, dropout=0.0)
        epochs = int(p.search_epochs)
        opt_w = sgd(weight_parameters(model), p.search_lr, 0.9, p.search_weight_decay)
        opt_a = sgd(arch_parameters(model), p.search_arch_lr, 0.9, p.search_weight_decay)
        data = train.sample(p.search_subsample, self.ctx.seed)
        result = train_loop(model, data, None, self.spec,
                            self._config("search", epochs, grad_clip=p.search_grad_clip,
                                         batch_fraction=p.search_batch_fraction,
                                         seed=self.ctx.seed, time_limit=self._guard_seconds()),
                            optimizer=[opt_w, opt_a],
                            scheduler=[self._schedule("search", opt_w, epochs),
                                       self._schedule("search", opt_a, epochs)],
                            device=self.ctx.device,
                            before_step=lambda m: scale_arch_gradients(m, p.grad_scale))
        if result.stopped_early and getattr(self.ctx, "guard", None) is not None:
            self.ctx.guard.trip()
        return selected_architecture(model), result.epochs_run

    def _sample(self, trial: optuna.Trial) -> dict[str, Any]:
        p = self.params
        return {
            "lr": trial.suggest_float("lr", *p.lr_range, log=True),
            "dropout": trial.suggest_categorical("dropout", list(p.dropout_choices)),
            "weight_decay": trial.suggest_float("weight_decay", *p.weight_decay_range,
                                                log=True),
            "momentum": trial.suggest_float("momentum", *p.momentum_range),
            "seed": trial.suggest_int("seed", *p.seed_range),
        }

    def _train_candidate(self, arch: Any, hp: dict[str, Any], train: ArraySplit,
                         val: ArraySplit, stage: str, epochs: int, **kw: Any) -> tuple[nn.Module, Any]:
        model = self._build(FixedConvs(BACKBONE_NDIM[self.backbone], arch),
                            width=self.params.width, dropout=hp["dropout"], seed=hp["seed"])
        opt = sgd(model.parameters(), hp["lr"], hp["momentum"], hp["weight_decay"])
        config = self._config(stage, epochs, seed=hp["seed"],
                              time_limit=kw.pop("time_limit", None))
        result = train_loop(model, train, val, self.spec, config, optimizer=opt,
                            scheduler=self._schedule(stage, opt, epochs), device=self.ctx.device,
                            **kw)
        return model, result

    def tuning_data(self, train: ArraySplit) -> ArraySplit:
        """The seeded subset of train every tuning trial trains on (``hpo_subsample``); an FM
        of the same budget and seed tunes on the very same samples."""
        return tuning_subset(train, self.params.hpo_subsample, self.ctx.seed)

    def _tune(self, arch: Any, train: ArraySplit, val: ArraySplit) -> tuple[dict[str, Any], dict[str, Any]]:
        p = self.params
        fixed = {k: p[k] for k in ("lr", "dropout", "weight_decay", "momentum")}
        if not p.tune or int(p.n_trials) < 1:
            return {**fixed, "seed": self.ctx.seed}, {"n_trials": 0, "hpo_epochs_run": 0}
        data = self.tuning_data(train)
        epochs = int(p.hpo_epochs)

        def objective(trial: optuna.Trial) -> float:
            hp = self._sample(trial)
            inner = optuna_report(trial, self.spec.direction)

            def report(epoch: int, value: float) -> None:
                trial.set_user_attr("epochs", epoch)
                inner(epoch, value)
            _, result = self._train_candidate(arch, hp, data, val, "tune", epochs, report=report)
            if result.best_score is None:
                raise TrainingDivergedError("a trial finished without a validation score")
            return float(result.best_score)

        study = optimize(self.ctx, objective, n_trials=int(p.n_trials),
                         direction=self.spec.direction, stage="dasha-hpo", sampler="random",
                         pruner="sha",
                         pruner_kwargs={"min_resource": int(p.hpo_min_epochs),
                                        "reduction_factor": int(p.hpo_reduction_factor)},
                         timeout=self._guard_seconds(), catch=(TrainingDivergedError,))
        trials = finished_trials(study)
        guard = getattr(self.ctx, "guard", None)
        if guard is not None and guard.tripped and not any(
                t.state == optuna.trial.TrialState.COMPLETE for t in trials):
            # the runaway guard stopped the search before any trial finished: keep the
            # untuned values; the row is stored with truncated=true
            return {**fixed, "seed": self.ctx.seed}, {"n_trials": len(trials),
                                                      "hpo_epochs_run": 0,
                                                      "hpo_train_samples": len(data)}
        best = best_trial(study)
        info = {"n_trials": len(trials),
                "n_pruned": sum(t.state == optuna.trial.TrialState.PRUNED for t in trials),
                "n_failed": sum(t.state == optuna.trial.TrialState.FAIL for t in study.trials),
                "hpo_epochs_run": sum(int(t.user_attrs.get("epochs", 0)) for t in trials),
                "hpo_epochs_full_budget": len(trials) * epochs,
                "best_trial_val": float(best.value), "hpo_train_samples": len(data)}
        return dict(best.params), info

    def _guard_seconds(self) -> float | None:
        """Seconds left before the job's runaway guard (None = no guard)."""
        guard = getattr(self.ctx, "guard", None)
        return guard.remaining() if guard is not None else None

    # Method API ----------------------------------------------------------------------------
    def fit(self, train: TrainData, val: TrainData) -> FitReport:
        train, val = self._check(train, "train"), self._check(val, "validation")
        p = self.params
        self.backbone = self._backbone()
        self.in_channels = int(self.spec.input_shape[0])
        self.n_out = self._num_outputs(train)
        self.target_shape = train.y.shape[1:]
        seconds: dict[str, float] = {}

        start = time.perf_counter()
        arch, search_epochs = self._search(train)
        seconds["search"] = time.perf_counter() - start

        start = time.perf_counter()
        hp, tune_info = self._tune(arch, train, val)
        seconds["tune"] = time.perf_counter() - start

        start = time.perf_counter()
        self.model, result = self._train_candidate(
            arch, hp, train, val, "retrain", int(p.retrain_epochs),
            time_limit=self._guard_seconds())
        seconds["retrain"] = time.perf_counter() - start
        truncated = bool(result.stopped_early)
        if truncated and getattr(self.ctx, "guard", None) is not None:
            self.ctx.guard.trip()

        layers = [list(kd) for kd in (arch or [])]
        return FitReport(
            best_val_metric=result.best_score,
            hyperparameters={**hp, "batch_size": p.batch_size, "width": p.width},
            architecture={"backbone": self.backbone, "layers": layers, "searched": arch is not None,
                          "kernels": list(self.space.kernels),
                          "dilations": list(self.space.dilations)},
            n_trials=tune_info["n_trials"], epochs=result.epochs_run, stage_seconds=seconds,
            tune_seconds=seconds["search"] + seconds["tune"],
            train_samples=tune_info.get("hpo_train_samples", len(train)),
            truncated=truncated or bool(getattr(getattr(self.ctx, "guard", None), "tripped",
                                                False)),
            extra={"search_epochs": search_epochs, **tune_info, "best_epoch": result.best_epoch,
                   "retrain_samples": len(train), "val_scores": result.val_scores})

    def predict(self, inputs: TestInputs) -> np.ndarray:
        if self.model is None:
            raise ConfigError("DASHA.predict called before fit")
        scores = predict_scores(self.model, array_inputs(inputs, "DASHA"),
                                self.params.eval_batch_size, self.ctx.device,
                                mixed_precision=bool(self.params.mixed_precision))
        if self.spec.problem is ProblemType.REGRESSION:
            return scores.reshape(len(scores), *self.target_shape)
        return scores_to_outputs(scores, self.spec.problem)

    @staticmethod
    def layers_of(report: FitReport) -> list[tuple[int, int]]:
        """The searched per-layer (kernel, dilation) pairs of a FitReport."""
        return as_pairs((report.architecture or {}).get("layers", []))


class ResNet1DBaseline(Dasha):
    """DASHA's 1-D ResNet with default kernels and fixed hyperparameters (no search, no HPO)."""

    description: ClassVar[str] = "DASHA's 1-D ResNet, default kernels, fixed hyperparameters"

    tuned: ClassVar[bool] = False
    domains: ClassVar[frozenset[str]] = frozenset({"genomics"})
    Params: ClassVar[type[MethodParams]] = ResNet1DParams
    budget_params: ClassVar[dict[str, str]] = {}


class WRNBaseline(Dasha):
    """DASHA's Wide-ResNet with 3x3 kernels and fixed hyperparameters (no search, no HPO)."""

    description: ClassVar[str] = (
        "pre-activation Wide-ResNet, 3x3 kernels, fixed hyperparameters"
    )

    tuned: ClassVar[bool] = False
    domains: ClassVar[frozenset[str]] = frozenset({"satellite"})
    Params: ClassVar[type[MethodParams]] = WRNParams
    #: the same training epochs as DASHA's final fit at each budget (equal work)
    budget_params: ClassVar[dict[str, str]] = {"retrain_epochs": "retrain_epochs"}

"""The shared cross-modal workflow: embedder -> pretrained body -> head, tuned on validation.

Stages (train and validation splits only; test inputs are only ever predicted):

1. ``source`` - source features in the body's input-embedding space (cached per body/source);
2. ``embedder`` - family-specific preparation (L2G: the DASH search of the CNN embedder);
3. ``align`` - the embedder alone (ORCA) or with its auxiliary head (L2G) is trained so that
   embedded target data match the source; one alignment per distinct embedder setting, reused
   by every trial that shares it;
4. ``tune`` - trials over ``search_space`` (e.g. whether and how long to align, learning rate),
   each fine-tuning embedder + body + head briefly on a seeded subset of train and scored on
   validation;
5. ``refine`` - the chosen setting fine-tuned end to end, best-on-validation epoch kept.

Subclasses implement :meth:`CrossModalAdapter.make_embedder` and :meth:`CrossModalAdapter.align`.
"""
from __future__ import annotations

import copy
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Optional

import numpy as np
import torch
from torch import nn

from sfmbench.data import (ArrayInputs, ArraySplit, ForecastInputs, SeriesSplit, TestInputs,
                           TrainData, tuning_subset)
from sfmbench.errors import ConfigError, DataError
from sfmbench.method import FitReport
from sfmbench.params import MethodParams, param
from sfmbench.seeding import seed_everything
from sfmbench.specs import ProblemType
from sfmbench.training import TrainConfig, predict_scores, scores_to_outputs
from sfmbench.training import train as train_loop

from ..base import FMParams, FoundationModel
from .bodies import Body, packaged_body
from .embedders import PooledHead, TokenHead
from .source import SourceSet, image_features, text_features

if TYPE_CHECKING:
    from sfmbench.context import RunContext
    from sfmbench.specs import TaskSpec


def evenly(split: ArraySplit, n: int | None) -> ArraySplit:
    """``n`` evenly spaced samples (a fixed validation subset for trials)."""
    if not n or n >= len(split):
        return split
    idx = np.unique(np.linspace(0, len(split) - 1, int(n)).round().astype(int))
    return ArraySplit(split.x[idx], split.y[idx], dict(split.meta))


def warmup_linear(warmup: int, total: int):  # noqa: ANN201 - a LambdaLR factor
    """Linear warm-up for ``warmup`` steps, then linear decay to 0 at ``total``."""
    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / max(1, warmup)
        return max(0.0, (total - step) / max(1, total - warmup))
    return factor


class CrossModalNet(nn.Module):
    """embedder -> body (own embedding bypassed) -> head."""

    def __init__(self, embedder: nn.Module, body: Body, head: nn.Module) -> None:
        super().__init__()
        self.embedder, self.body, self.head = embedder, body, head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.embedder(x)
        tokens, grid = out if isinstance(out, tuple) else (out, None)
        return self.head(self.body(tokens, grid))


@dataclass
class CrossModalParams(FMParams):
    """Cross-modal adaptation: the body, the alignment source and objective, the fine-tuning
    (refine) and the trials that choose alignment and learning rate on validation."""

    model_id: Optional[str] = param("minilm", "the body: a packaged body name, hub id or local "
                                              "folder")
    recipe: str = param("full")
    max_tokens: Optional[int] = param(None, "cap on body tokens (null = the body's maximum)")
    source: dict[str, Any] = param({"kind": "pydoc", "chunk_tokens": 64, "max_samples": 5000,
                                    "k": 10},
                                   "alignment source set: kind, chunk_tokens, max_samples, k "
                                   "(pseudo-label clusters)")
    pseudo_label_k: int = param(10, "clusters of the target's pseudo labels (regression, "
                                    "forecasting)")
    objective: str = param("otdd", "alignment objective: otdd, mmd or none (no alignment)")
    embedder_epochs: int = param(60, "alignment steps (0 = no alignment)")
    align_lr: float = param(1e-3, "embedder learning rate in the alignment")
    align_batch_size: int = param(256, "target samples per alignment step")
    otdd_batch_size: int = param(256, "source samples per OTDD evaluation")
    otdd_class_size: int = param(32, "points per class cloud for OTDD label distances")
    lr: float = param(5e-5, "fine-tuning learning rate")
    weight_decay: float = param(1e-5, "fine-tuning weight decay")
    warmup_fraction: float = param(0.2, "share of the fine-tuning steps with linear warmup")
    grad_clip: Optional[float] = param(1.0, "gradient-norm clip (null = none)")
    batch_size: int = param(32, "fine-tuning batch size")
    eval_batch_size: int = param(128, "batch size of validation and test predictions")
    epochs: int = param(3, "refine epochs of the chosen configuration (budget: "
                           "retrain_epochs)")
    max_train_samples: Optional[int] = param(None, "refine: seeded subset of train (null = "
                                                   "all)")
    search_space: dict[str, Any] = param({"objective": ["none", "otdd", "mmd"],
                                          "lr": [1e-5, 5e-5, 1e-4]})
    n_trials: int = param(4, "trials (budget: trials)")
    sampler: str = param("grid")
    trial_epochs: int = param(1, "epochs of one trial (budget: max_epochs)")
    trial_train_samples: Optional[int] = param(2000, "seeded training subset of one trial "
                                                     "(null = all; budget: train_samples)")
    trial_val_samples: Optional[int] = param(1000, "evenly spaced validation subset of one "
                                                   "trial (null = all)")
    min_epochs: int = param(1, "successive halving of trials when trial_epochs > 1: first "
                               "rung (budget: min_epochs)")
    reduction_factor: int = param(2, "successive halving: eta (budget: reduction_factor)")


class CrossModalAdapter(FoundationModel):
    """Base of ORCA and L2G: any Hugging Face encoder adapted to 1-D and 2-D tasks."""

    extra: ClassVar[str | None] = "crossmodal"

    problems: ClassVar[frozenset[ProblemType]] = frozenset(
        {ProblemType.CLASSIFICATION, ProblemType.REGRESSION, ProblemType.FORECASTING})
    recipes: ClassVar[frozenset[str]] = frozenset({"full"})
    pretraining_data: ClassVar[str | None] = (
        "the body's own pretraining corpus (default body all-MiniLM-L6-v2: 1B+ sentence pairs, "
        "on a BERT pretrained on BooksCorpus + Wikipedia); alignment source: Python's pydoc "
        "help topics through the body's embedding layer")
    Params: ClassVar[type[MethodParams]] = CrossModalParams
    params: CrossModalParams

    #: the budget's counts (conf/budget/*.yaml, sfmbench.budget) -> these parameters; trials
    #: equal every tuned method's at the same budget
    budget_params: ClassVar[dict[str, str]] = {
        "trials": "n_trials", "max_epochs": "trial_epochs", "retrain_epochs": "epochs",
        "train_samples": "trial_train_samples", "min_epochs": "min_epochs",
        "reduction_factor": "reduction_factor"}

    def __init__(self, spec: TaskSpec, params: Mapping[str, Any], ctx: RunContext) -> None:
        super().__init__(spec, params, ctx)
        if len(spec.input_shape) not in (2, 3):
            raise DataError(f"{type(self).__name__} takes (C, L) or (C, H, W) samples or "
                            f"series windows, task {spec.name!r} has shape {spec.input_shape}")
        objectives = list(dict(self.params.get("search_space") or {}).get("objective", []))
        for objective in [self.params.objective, *objectives]:
            if objective not in self.objectives:
                raise ConfigError(f"unknown alignment objective {objective!r} for "
                                  f"{type(self).__name__}",
                                  f"use one of: {', '.join(self.objectives)}")
        self.model: CrossModalNet | None = None
        self._aligned: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._align_seconds: dict[str, float] = {}

    # -- what a family implements ------------------------------------------------------------
    def make_embedder(self, body: Body, p: dict[str, Any]) -> nn.Module:
        raise NotImplementedError

    def prepare(self, train: ArraySplit, val: ArraySplit) -> dict[str, float]:
        """Family-specific work done once before tuning (e.g. L2G's search); stage seconds."""
        return {}

    def align(self, embedder: nn.Module, body: Body, train: ArraySplit, source: SourceSet,
              p: dict[str, Any]) -> dict[str, Any]:
        """Train the embedder toward the source; returns what to store in the report."""
        raise NotImplementedError

    #: alignment objectives; "none" skips the alignment stage
    objectives: ClassVar[tuple[str, ...]] = ("otdd", "mmd", "none")
    #: params whose values change the aligned embedder (the alignment cache key)
    align_keys: ClassVar[tuple[str, ...]] = ("objective", "embedder_epochs", "align_lr")

    # -- loading -------------------------------------------------------------------------------
    def load_source(self, **kwargs: Any):  # noqa: ANN201
        folder = packaged_body(str(self.params.get("model_id")))
        if folder is not None:
            self.source = folder
            return folder
        return super().load_source(**kwargs)

    def new_body(self) -> Body:
        body = Body(self.source, dtype=self.torch_dtype() if self.params.dtype != "auto"
                    else torch.float32)
        return body

    # -- data ----------------------------------------------------------------------------------
    def _as_arrays(self, split: TrainData, name: str) -> ArraySplit:
        if isinstance(split, SeriesSplit):
            x, y = split.windows()
            if len(x) == 0:
                raise DataError(f"the {name} split has no complete window",
                                "use a longer split or shorter lookback/horizon")
            return ArraySplit(np.ascontiguousarray(x.transpose(0, 2, 1), np.float32),
                              np.ascontiguousarray(y, np.float32))
        if not isinstance(split, ArraySplit):
            raise DataError(f"{type(self).__name__} needs array or series data, got "
                            f"{type(split).__name__} for {name}")
        return split

    @property
    def forecasting(self) -> bool:
        return self.spec.problem is ProblemType.FORECASTING

    def input_geometry(self, train: ArraySplit) -> tuple[int, tuple[int, ...]]:
        """(channels, spatial shape) of one network input."""
        return int(train.x.shape[1]), tuple(int(s) for s in train.x.shape[2:])

    def n_outputs(self, train: ArraySplit) -> int:
        if self.spec.problem is ProblemType.CLASSIFICATION:
            if not self.spec.num_classes:
                raise ConfigError(f"task {self.spec.name!r} declares no num_classes")
            return int(self.spec.num_classes)
        return int(np.prod(train.y.shape[1:])) if train.y.ndim > 1 else 1

    def target_labels(self, train: ArraySplit) -> np.ndarray:
        """Class labels for alignment: the classes, else k-means pseudo-labels of the targets."""
        if self.spec.problem is ProblemType.CLASSIFICATION:
            return np.asarray(train.y, dtype=np.int64)
        from .losses import pseudo_labels
        return pseudo_labels(train.y, int(self.params.pseudo_label_k), self.ctx.seed)

    # -- network -------------------------------------------------------------------------------
    def make_head(self, body: Body, n_tokens: int) -> nn.Module:
        if self.forecasting:
            return TokenHead(body.dim, n_tokens, int(self.target_shape[0]),
                             int(self.target_shape[1]))
        return PooledHead(body.dim, self.n_out)

    def n_tokens(self, embedder: nn.Module, body: Body) -> int:
        with torch.no_grad():
            out = embedder(torch.zeros(1, self.channels, *self.spatial))
        tokens = out[0] if isinstance(out, tuple) else out
        return int(tokens.shape[1])

    def build(self, p: dict[str, Any], train: ArraySplit) -> tuple[CrossModalNet, dict[str, Any]]:
        """A fresh body, an embedder aligned as ``p`` says (cached), a new head."""
        body = self.new_body()
        key = tuple(p.get(k) for k in self.align_keys)
        if key not in self._aligned:
            seed_everything(self.ctx.seed)
            embedder = self.make_embedder(body, p)
            start = time.perf_counter()
            info = self.align(embedder, body, train, self.source_set, p) \
                if self.aligns(p) else {"aligned": False}
            seconds = time.perf_counter() - start
            name = ",".join(f"{k}={v}" for k, v in zip(self.align_keys, key))
            self._align_seconds[name] = seconds
            self._aligned[key] = {"state": copy.deepcopy(embedder.state_dict()),
                                  "info": info}    # its cost goes to stage_seconds
        embedder = self.make_embedder(body, p)
        embedder.load_state_dict(self._aligned[key]["state"])
        torch.manual_seed(self.ctx.seed)
        net = CrossModalNet(embedder, body, self.make_head(body, self.n_tokens(embedder, body)))
        return net, self._aligned[key]["info"]

    @staticmethod
    def aligns(p: dict[str, Any]) -> bool:
        return p.get("objective") != "none" and int(p.get("embedder_epochs") or 0) > 0

    def first_trial(self) -> dict[str, Any] | None:
        """The YAML's own values of the searched params, when every one is a point of the space
        (a grid sampler takes only complete points)."""
        space = dict(self.params.get("search_space") or {})
        point = {k: self.params.get(k) for k in space}
        inside = all(v in (space[k] if isinstance(space[k], (list, tuple)) else [space[k]])
                     for k, v in point.items())
        return point if space and inside else None

    def finetune(self, net: CrossModalNet, train: ArraySplit, val: ArraySplit,
                 p: dict[str, Any], epochs: int, stage: str, report: Any = None) -> Any:
        """Everything trains: AdamW, betas (0.9, 0.98), warm-up + linear decay, clipping."""
        self.apply_recipe(net)
        steps = epochs * math.ceil(len(train) / int(p["batch_size"]))
        warm = int(round(float(p["warmup_fraction"]) * steps))

        def optimizer(params: Any) -> torch.optim.Optimizer:
            return torch.optim.AdamW(params, lr=float(p["lr"]), betas=(0.9, 0.98),
                                     weight_decay=float(p["weight_decay"]))

        def scheduler(opt: torch.optim.Optimizer) -> Any:
            return torch.optim.lr_scheduler.LambdaLR(opt, warmup_linear(warm, steps))

        guard = getattr(self.ctx, "guard", None)
        config = TrainConfig(epochs=epochs, batch_size=int(p["batch_size"]),
                             eval_batch_size=int(p["eval_batch_size"]),
                             grad_clip=p.get("grad_clip"), seed=self.ctx.seed,
                             show_progress=self.ctx.show_progress, scheduler_interval="step",
                             description=f"{self.name} {stage}",
                             time_limit=guard.remaining() if guard is not None else None)
        result = train_loop(net, train, val, self.spec, config, optimizer=optimizer,
                            scheduler=scheduler, device=self.ctx.device, report=report)
        if result.stopped_early and guard is not None:
            guard.trip()          # a runaway guard stopped work: the row says truncated
        return result

    @property
    def name(self) -> str:
        return type(self).__name__.lower()

    # -- the Method contract -------------------------------------------------------------------
    def fit(self, train: TrainData, val: TrainData) -> FitReport:
        started = time.perf_counter()
        train, val = self._as_arrays(train, "train"), self._as_arrays(val, "validation")
        self.channels, self.spatial = self.input_geometry(train)
        self.target_shape = tuple(train.y.shape[1:])
        self.n_out = self.n_outputs(train)
        self.load_source()
        seconds: dict[str, float] = {"load": time.perf_counter() - started}

        start = time.perf_counter()
        probe = self.new_body()
        self.source_set = self.source_features(probe)
        self.body_max_tokens = probe.max_tokens
        del probe
        seconds["source"] = time.perf_counter() - start
        seconds.update(self.prepare(train, val))

        p0 = dict(self.params)
        trial_train = tuning_subset(train, p0["trial_train_samples"], self.ctx.seed)
        trial_val = evenly(val, p0["trial_val_samples"])

        def fit_trial(hp: dict[str, Any], report: Any = None) -> tuple[float, None]:
            p = {**p0, **hp}
            net, _ = self.build(p, train)
            result = self.finetune(net, trial_train, trial_val, p, int(p["trial_epochs"]),
                                   "trial", report=report)
            if result.best_score is None:
                raise DataError("a trial finished without a validation score")
            return float(result.best_score), None

        start = time.perf_counter()
        # the tuned baselines' schedule: successive halving over the trial epochs (when there
        # is more than one), the model YAML's own (published) setting tried first
        tuned = self.tune(fit_trial, stage=f"{self.name}-tune", first_trial=self.first_trial(),
                          prune=int(p0["trial_epochs"]) > 1)
        seconds["tune"] = time.perf_counter() - start - sum(self._align_seconds.values())
        chosen = {**p0, **tuned.params}

        start = time.perf_counter()
        align_before = sum(self._align_seconds.values())
        net, align_info = self.build(chosen, train)
        refine_train = train.sample(chosen["max_train_samples"], self.ctx.seed + 2)
        result = self.finetune(net, refine_train, val, chosen, int(chosen["epochs"]), "refine")
        self.model = net
        seconds["refine"] = time.perf_counter() - start - (
            sum(self._align_seconds.values()) - align_before)
        seconds["align"] = sum(self._align_seconds.values())
        for setting, cost in self._align_seconds.items():   # each alignment's own cost
            seconds[f"align[{setting}]"] = cost

        return self.fit_report(
            best_val_metric=result.best_score,
            hyperparameters={**tuned.params,
                             **{k: chosen[k] for k in ("objective", "embedder_epochs", "lr",
                                                       "batch_size", "epochs")}},
            architecture={**self.architecture(net), "alignment": align_info,
                          "otdd_batch_size": int(chosen["otdd_batch_size"]),
                          "source": None if self.source_set is None else {
                              "description": self.source_set.description,
                              "n": int(len(self.source_set.x)),
                              "labels": self.source_set.labels_from}},
            n_trials=tuned.n_trials, epochs=result.epochs_run, stage_seconds=seconds,
            tune_seconds=seconds["tune"] + seconds["align"] + seconds.get("search", 0.0),
            train_samples=len(trial_train),
            truncated=bool(getattr(getattr(self.ctx, "guard", None), "tripped", False)),
            extra={"tuning": tuned.history, "trial_value": tuned.value,
                   "refine_train_samples": len(refine_train), "best_epoch": result.best_epoch,
                   "val_scores": result.val_scores})

    def source_features(self, body: Body) -> SourceSet | None:
        """Text bodies: text through the body's embedding layer (default: pydoc topics).
        Image bodies: images from ``source: {kind: npy, path: FILE}`` ((N, 3, H, W) floats)
        through the body's patch embedding; without them only ``objective: none`` runs."""
        cfg = dict(self.params.source or {})
        if body.modality == "text":
            return text_features(body, cfg, self.ctx.seed)
        if cfg.get("kind") == "npy":
            images = np.load(cfg.get("path", ""), allow_pickle=False)
            return image_features(body, images, int(cfg.get("k", 10)), self.ctx.seed)
        space = dict(self.params.get("search_space") or {})
        wanted = {self.params.objective, *space.get("objective", [])} - {"none"}
        if wanted and int(self.params.embedder_epochs or 0) > 0:
            raise ConfigError(f"aligning an image body needs source images "
                              f"(objectives {sorted(wanted)} requested)",
                              "give model.source={kind: npy, path: images.npy} with (N, 3, H, "
                              "W) images, or set model.objective=none and search no objective")
        return None

    def architecture(self, net: CrossModalNet) -> dict[str, Any]:
        return {"body": type(net.body.model).__name__, "body_dim": net.body.dim,
                "embedder": type(net.embedder).__name__, "head": type(net.head).__name__,
                "n_tokens": self.n_tokens(net.embedder, net.body)}

    def predict(self, inputs: TestInputs) -> np.ndarray:
        if self.model is None:
            raise ConfigError(f"{type(self).__name__}.predict called before fit")
        if isinstance(inputs, ForecastInputs):
            x = np.ascontiguousarray(inputs.lookbacks().transpose(0, 2, 1), np.float32)
        elif isinstance(inputs, ArrayInputs):
            x = inputs.x
        else:
            raise DataError(f"{type(self).__name__} cannot predict {type(inputs).__name__}")
        if len(x) == 0:
            return np.zeros((0, *self.target_shape), np.float32)
        scores = predict_scores(self.model, x, int(self.params.eval_batch_size),
                                self.ctx.device)
        if self.spec.problem is ProblemType.CLASSIFICATION:
            return scores_to_outputs(scores, self.spec.problem)
        return scores.reshape(len(scores), *self.target_shape)

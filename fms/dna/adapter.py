"""The shared DNA language-model adapter: tokenizer, pooled linear head, three recipes.

Every DNA family (:mod:`sfmbench.fms.dna.families`) is this class plus a few declarations:
the transformers auto classes that load its encoder, its preferred pooling, and the linear
layers LoRA adapts. The recipes:

- ``frozen`` (linear probe): the encoder embeds train and validation sequences once; a linear
  head (on train-standardized embeddings) is trained on them;
- ``full``: encoder and head are fine-tuned together;
- ``lora``: ``peft`` LoRA adapters on the encoder's ``lora.target_modules`` plus the head train,
  the encoder's own weights stay frozen.

Each recipe searches its :data:`RECIPE_SEARCH_SPACES` (fine-tuning: learning rate, weight
decay, batch size, epochs up to the budget's ``max_epochs``, and for LoRA the rank; a
``search_space`` param replaces it) with :meth:`FoundationModel.tune`, i.e. the optuna layer
with the budget's trials and successive halving, on the task's validation split; training
goes through :func:`sfmbench.training.train`, which keeps the best-on-validation epoch. Test
labels never reach the adapter.
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Optional

import numpy as np

from sfmbench.data import ArrayInputs, ArraySplit
from sfmbench.errors import ConfigError, DataError, SfmbenchError
from sfmbench.method import FitReport
from sfmbench.params import MethodParams, param
from sfmbench.specs import ProblemType

from ..base import HALVING_BUDGET_PARAMS, FoundationModel, HalvingFMParams
from .backbone import POOLINGS, tokenizer_needs_remote_code

if TYPE_CHECKING:
    import torch
    from torch import nn

    from sfmbench.context import RunContext
    from sfmbench.specs import TaskSpec

    from .inputs import TokenizedSplit

#: default searches per recipe, used when ``search_space`` is empty. The fine-tuning recipes
#: search learning rate, weight decay, batch size (LoRA: and rank) and epochs; their epoch
#: choices are the budget's successive-halving rungs up to ``max_epochs`` (see
#: :meth:`DNAFoundationModel.search_space`), so an FM gets the epochs the tuned baseline gets.
#: The frozen recipe (a linear probe on fixed embeddings, an explicit opt-in) trains a head.
RECIPE_SEARCH_SPACES: dict[str, dict[str, list[Any]]] = {
    "frozen": {"learning_rate": [1e-3, 3e-3, 1e-2], "epochs": [20, 50]},
    "full": {"learning_rate": [1e-5, 3e-5, 5e-5, 1e-4], "weight_decay": [0.0, 0.01, 0.1],
             "batch_size": [16, 32, 64]},
    "lora": {"learning_rate": [1e-4, 3e-4, 1e-3], "weight_decay": [0.0, 0.01, 0.1],
             "batch_size": [16, 32, 64], "lora_r": [4, 8, 16]},
}
#: hyperparameters a search space may hold
SEARCHABLE = ("learning_rate", "epochs", "weight_decay", "head_dropout", "batch_size", "lora_r")
#: tokenizers report this (or more) when they set no real limit
_NO_LIMIT = 1_000_000


@dataclass
class DNAParams(HalvingFMParams):
    """A DNA language model with a linear head: pooling, batches, regularisation and the
    budget's tuning counts (the same as DASHA's)."""

    recipe: str = param("full", "fine-tuning recipe: frozen (a linear probe, an explicit "
                                "opt-in), full or lora")
    pooling: str = param("mean", "pooling of the token states: mean, cls or last")
    max_length: Optional[int] = param(None, "tokens per sequence (null = the tokenizer's "
                                            "limit)")
    batch_size: int = param(32, "fine-tuning batch size")
    head_batch_size: int = param(256, "batch size of the frozen recipe's head")
    eval_batch_size: int = param(64, "batch size of validation and test predictions")
    weight_decay: float = param(0.01, "AdamW weight decay")
    grad_clip: Optional[float] = param(1.0, "gradient-norm clip (null or 0 = none)")
    head_dropout: float = param(0.0, "dropout before the linear head")
    n_trials: int = param(2)
    max_epochs: int = param(3)
    first_trial: dict[str, Any] = param({}, "the family's published recipe, enqueued as "
                                            "trial 0")


class DNAFoundationModel(FoundationModel):
    """A DNA language model with a linear head over pooled token states.

    Params (:class:`DNAParams`, besides those of every FM): ``pooling`` (``mean``, ``cls`` or
    ``last``), ``max_length`` (tokens; null = the tokenizer's limit), ``batch_size``
    (fine-tuning), ``head_batch_size`` (the frozen recipe's head), ``eval_batch_size``,
    ``weight_decay``, ``grad_clip``, ``head_dropout``,
    ``max_train_samples`` (a seeded subset of train per tuning trial, from the budget's
    ``train_samples``; the chosen configuration is then refit on the whole split, as DASHA
    retrains; validation stays whole), ``first_trial`` (the family's published fine-tuning
    recipe, enqueued as trial 0), and the budget's counts ``n_trials``, ``min_epochs``,
    ``reduction_factor``, ``max_epochs`` (successive halving over epochs, as DASHA's search).
    """

    extra: ClassVar[str | None] = "genomics"

    problems: ClassVar[frozenset[ProblemType]] = frozenset(
        {ProblemType.CLASSIFICATION, ProblemType.MULTILABEL})
    domains: ClassVar[frozenset[str]] = frozenset({"genomics"})
    recipes: ClassVar[frozenset[str]] = frozenset({"frozen", "full", "lora"})
    #: transformers auto classes tried in order to load the encoder (its ``base_model`` is kept)
    auto_classes: ClassVar[tuple[str, ...]] = ("AutoModel",)
    Params: ClassVar[type[MethodParams]] = DNAParams
    #: the budget's counts (conf/budget/*.yaml) -> these parameters: the same trials, epochs,
    #: successive-halving schedule and training samples as DASHA, the tuned genomics baseline
    budget_params: ClassVar[dict[str, str]] = HALVING_BUDGET_PARAMS

    def __init__(self, spec: TaskSpec, params: Mapping[str, Any], ctx: RunContext) -> None:
        super().__init__(spec, params, ctx)
        if self.params.pooling not in POOLINGS:
            raise ConfigError(f"unknown pooling {self.params['pooling']!r}",
                              f"use one of: {', '.join(POOLINGS)} (model.pooling=...)")
        if spec.problem not in self.problems:
            raise ConfigError(f"{type(self).__name__} does not solve {spec.problem.value} tasks",
                              "use a classification or multilabel genomics task")
        self.model: nn.Module | None = None
        self.tokenizer: Any = None
        self.max_length: int | None = None

    # -- public contract -----------------------------------------------------------------------
    def fit(self, train: ArraySplit, val: ArraySplit) -> FitReport:
        from .inputs import to_sequences, tokenize

        for name, split in (("train", train), ("validation", val)):
            if not isinstance(split, ArraySplit) or len(split) == 0:
                raise DataError(f"{type(self).__name__} needs a non-empty {name} ArraySplit of "
                                f"one-hot DNA, got {type(split).__name__}",
                                "use a genomics task (sfmbench tasks list 'gue/*')")
        full_train = train
        train = self.tuning_data(train)
        start = time.perf_counter()
        folder = self.load_source()
        self.tokenizer = self._load_tokenizer(folder)
        self.max_length = self._max_length()
        tok_train = tokenize(self.tokenizer, to_sequences(train.x), self.max_length, train.y)
        tok_val = tokenize(self.tokenizer, to_sequences(val.x), self.max_length, val.y)
        stages = {"load": time.perf_counter() - start}
        best_val, refit_samples = None, None
        if self.recipe == "frozen":
            tuned, stages["embed"] = self._fit_frozen(tok_train, tok_val)
        else:
            tuned = self.tune(lambda hp, report: self._finetune(hp, tok_train, tok_val, report),
                              stage=self.recipe, search_space=self.search_space(),
                              first_trial=self.first_trial(), prune=True)
            if len(train) < len(full_train):     # as DASHA retrains: the whole training split
                start = time.perf_counter()
                tok_full = tokenize(self.tokenizer, to_sequences(full_train.x),
                                    self.max_length, full_train.y)
                best_val, self.model = self._finetune(tuned.params, tok_full, tok_val)
                stages["refit"] = time.perf_counter() - start
                refit_samples = len(full_train)
            else:
                self.model = tuned.artifact if tuned.artifact is not None else \
                    self._finetune(tuned.params, tok_train, tok_val)[1]
        stages["tune"] = tuned.seconds
        chosen = self._hp(tuned.params)
        guard = getattr(self.ctx, "guard", None)
        return self.fit_report(best_val_metric=tuned.value if best_val is None else best_val,
                               hyperparameters=chosen,
                               n_trials=tuned.n_trials, epochs=int(chosen["epochs"]),
                               stage_seconds=stages, tune_seconds=tuned.seconds,
                               train_samples=len(train),
                               truncated=bool(getattr(guard, "tripped", False)),
                               extra={"max_length": self.max_length,
                                      "tokens": tok_train.n_tokens, "n_train": len(train),
                                      "refit_samples": refit_samples,
                                      "trial_best_val": tuned.value,
                                      "trials": tuned.history})

    def predict(self, inputs: ArrayInputs) -> np.ndarray:
        from sfmbench.training import predict_scores

        from .inputs import to_sequences, tokenize

        if self.model is None:
            raise SfmbenchError(f"{type(self).__name__}.predict() called before fit()",
                                "fit the method on train/validation first")
        tokens = tokenize(self.tokenizer, to_sequences(inputs.x), self.max_length)
        scores = predict_scores(self.model, tokens, int(self.params.eval_batch_size),
                                self.ctx.device)
        return self._outputs(scores)

    def search_space(self) -> dict[str, list[Any]]:
        """The hyperparameters searched for the recipe (``search_space`` param or defaults)."""
        given = dict(self.params.get("search_space") or {})
        space = {k: list(v) if isinstance(v, (list, tuple)) else [v] for k, v in
                 (given or RECIPE_SEARCH_SPACES[self.recipe]).items()}
        unknown = set(space) - set(SEARCHABLE)
        if unknown:
            raise ConfigError(f"cannot search {sorted(unknown)}",
                              f"search_space may hold {', '.join(SEARCHABLE)}")
        if self.recipe != "frozen":
            if "epochs" not in space:
                space["epochs"] = self.epoch_choices()
            if not given:   # the published recipe must be a point of the default space
                for key, value in self.first_trial().items():
                    if key in space and value not in space[key]:
                        space[key] = sorted([*space[key], value])
            if "lora_r" in space and self.recipe != "lora":
                space.pop("lora_r")
        return space

    def first_trial(self) -> dict[str, Any]:
        """The family's published fine-tuning recipe (``first_trial`` param), run as trial 0;
        its epochs default to (and never exceed) the budget's ``max_epochs``."""
        first = dict(self.params.get("first_trial") or {})
        if self.recipe == "frozen":
            return {}
        top = int(self.params.max_epochs)
        first["epochs"] = min(int(first.get("epochs") or top), top)
        if self.recipe != "lora":
            first.pop("lora_r", None)
        return first

    def epoch_choices(self) -> list[int]:
        """The budget's successive-halving rungs up to ``max_epochs`` (e.g. 1, 2, 4, 8, 16, 20)."""
        from sfmbench.budget import Budget

        top = int(self.params.max_epochs)
        budget = Budget(name="fm", trials=1, max_epochs=top, retrain_epochs=1,
                        min_epochs=min(int(self.params.get("min_epochs") or 1), top),
                        reduction_factor=int(self.params.get("reduction_factor") or 2))
        return budget.rungs()

    # -- loading -------------------------------------------------------------------------------
    def _load_tokenizer(self, folder: Path) -> Any:
        from transformers import AutoTokenizer

        from .inputs import prepare_tokenizer

        if tokenizer_needs_remote_code(folder):
            self.require_remote_code()
        tokenizer = AutoTokenizer.from_pretrained(str(folder),
                                                  trust_remote_code=self.remote_code_allowed)
        return prepare_tokenizer(tokenizer)

    def _max_length(self) -> int | None:
        if self.params.get("max_length"):
            return int(self.params.max_length)
        limit = getattr(self.tokenizer, "model_max_length", None)
        return int(limit) if limit and limit < _NO_LIMIT else None

    def load_backbone(self) -> "nn.Module":
        """A fresh copy of the encoder from the resolved checkpoint folder."""
        from .backbone import load_backbone

        assert self.source is not None
        return load_backbone(self.source, self.auto_classes, **self.hf_kwargs())

    # -- recipes -------------------------------------------------------------------------------
    def _n_outputs(self) -> int:
        if not self.spec.num_classes:
            raise ConfigError(f"task {self.spec.name!r} declares no num_classes",
                              "the task spec must give the number of classes")
        return int(self.spec.num_classes)

    def _train_config(self, hp: dict[str, Any], what: str, batch_size: int) -> Any:
        from sfmbench.training import TrainConfig

        guard = getattr(self.ctx, "guard", None)
        return TrainConfig(epochs=int(hp["epochs"]), batch_size=batch_size,
                           eval_batch_size=int(self.params.eval_batch_size),
                           grad_clip=self.params.get("grad_clip") or None,
                           time_limit=guard.remaining() if guard is not None else None,
                           show_progress=self.ctx.show_progress, seed=self.ctx.seed,
                           description=f"{type(self).__name__} {what}")

    def _hp(self, hp: dict[str, Any]) -> dict[str, Any]:
        defaults = {k: v[0] for k, v in RECIPE_SEARCH_SPACES[self.recipe].items()}
        defaults.setdefault("epochs", int(self.params.max_epochs))
        fixed = {"weight_decay": self.params.weight_decay,
                 "head_dropout": self.params.head_dropout}
        if self.recipe == "frozen":
            return {**defaults, **fixed, **hp}
        fixed["batch_size"] = self.params.batch_size
        if self.recipe == "lora":
            fixed["lora_r"] = int((self.params.get("lora") or {}).get("r") or 8)
        return {**defaults, **fixed, **self.first_trial(), **hp}

    def _optimizer(self, module: "nn.Module", hp: dict[str, Any]) -> "torch.optim.Optimizer":
        import torch

        trainable = [p for p in module.parameters() if p.requires_grad]
        return torch.optim.AdamW(trainable, lr=float(hp["learning_rate"]),
                                 weight_decay=float(hp["weight_decay"]))

    def _fit_frozen(self, tok_train: "TokenizedSplit", tok_val: "TokenizedSplit"
                    ) -> tuple[Any, float]:
        """Embed once, then tune a linear head on the embeddings."""
        from torch import nn

        from sfmbench.training import predict_scores

        from .backbone import SequenceClassifier

        start = time.perf_counter()
        backbone = self.apply_recipe(self.load_backbone(), recipe="frozen")
        embedder = SequenceClassifier(backbone, nn.Identity(), self.params.pooling)
        embedder.to(self.ctx.device)
        batch = int(self.params.eval_batch_size)
        e_train = predict_scores(embedder, tok_train, batch, self.ctx.device)
        e_val = predict_scores(embedder, tok_val, batch, self.ctx.device)
        seconds = time.perf_counter() - start
        train = ArraySplit(e_train, tok_train.labels)
        val = ArraySplit(e_val, tok_val.labels)
        tuned = self.tune(lambda hp: self._fit_head(hp, train, val), stage="frozen",
                          search_space=self.search_space())
        head = tuned.artifact if tuned.artifact is not None else \
            self._fit_head(tuned.params, train, val)[1]
        self.model = SequenceClassifier(backbone, head, self.params.pooling)
        return tuned, seconds

    def _fit_head(self, hp: dict[str, Any], train: ArraySplit, val: ArraySplit
                  ) -> tuple[float, "nn.Module"]:
        from torch import nn

        from sfmbench.seeding import seed_everything
        from sfmbench.training import train as run_training

        from .backbone import Standardize

        hp = self._hp(hp)
        seed_everything(self.ctx.seed)
        head = nn.Sequential(Standardize(train.x), nn.Dropout(float(hp["head_dropout"])),
                             nn.Linear(train.x.shape[1], self._n_outputs()))
        config = self._train_config(hp, "head", int(self.params.head_batch_size))
        result = run_training(head, train, val, self.spec, config,
                              optimizer=self._optimizer(head, hp), device=self.ctx.device)
        return self._validated(result), head

    def _finetune(self, hp: dict[str, Any], tok_train: "TokenizedSplit",
                  tok_val: "TokenizedSplit", report: Any = None) -> tuple[float, "nn.Module"]:
        from torch import nn

        from sfmbench.seeding import seed_everything
        from sfmbench.training import train as run_training

        from .backbone import SequenceClassifier, embedding_size

        hp = self._hp(hp)
        seed_everything(self.ctx.seed)
        backbone = self.load_backbone()
        size = embedding_size(backbone, tok_train, self.params.pooling)
        head = nn.Linear(size, self._n_outputs())
        model = SequenceClassifier(backbone, head, self.params.pooling,
                                   float(hp["head_dropout"]))
        model.backbone = self.apply_recipe(backbone, head, rank=int(hp["lora_r"])
                                           if self.recipe == "lora" else None)
        result = run_training(model, tok_train, tok_val, self.spec,
                              self._train_config(hp, self.recipe, int(hp["batch_size"])),
                              optimizer=self._optimizer(model, hp), device=self.ctx.device,
                              report=report)
        self._note_guard(result)
        return self._validated(result), model

    def _note_guard(self, result: Any) -> None:
        guard = getattr(self.ctx, "guard", None)
        if result.stopped_early and guard is not None:
            guard.trip()

    @staticmethod
    def _validated(result: Any) -> float:
        if result.best_score is None or not np.isfinite(result.best_score):
            raise SfmbenchError("training produced no finite validation score",
                                "check the validation split and lower the learning rate")
        return float(result.best_score)

    # -- data ----------------------------------------------------------------------------------
    def _outputs(self, scores: np.ndarray) -> np.ndarray:
        """Logits -> (N, K) probabilities (softmax; sigmoid for multilabel)."""
        scores = scores.astype(np.float64)
        if self.spec.problem is ProblemType.MULTILABEL:
            return (1.0 / (1.0 + np.exp(-scores))).astype(np.float32)
        scores -= scores.max(axis=1, keepdims=True)
        probs = np.exp(scores)
        return (probs / probs.sum(axis=1, keepdims=True)).astype(np.float32)

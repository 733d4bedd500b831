"""The Presto adapter: pixel-time-series regression with Presto's published weights.

Checkpoint: ``model_id`` is a local folder in Presto's repository layout
(``config/default.json`` + ``data/default_model.pt``; flat ``config.json`` + ``default_model.pt``
works too), a Hugging Face hub id of such a folder, or ``nasaharvest/presto``, which reads
``<SFMBENCH_DATA>/presto/`` and downloads the two published files from Presto's repository when
missing (sha256-pinned). The state dict loads strictly: a missing or unexpected key is an error.

Inputs: tasks whose samples are Presto-normalized (``spec.extra["normalization"] == "presto"``,
see :mod:`sfmbench.tasks.satellite.presto`): the 17 bands in Presto's order, then Dynamic World,
month and location side channels, which the adapter decodes back into Presto's token inputs.

Recipes (all tuned on the validation split through :meth:`FoundationModel.tune`, with the
budget's counts, as DASHA is):

- ``frozen``: the pretrained encoder embeds every pixel once; a head fits the encodings: ``head:
  linear`` (ridge; alpha 0 = Presto's LinearRegression) or ``head: random_forest`` (Presto's
  RandomForestRegressor), its hyperparameters searched over ``n_trials`` trials;
- ``full``: encoder and a linear head fine-tuned with AdamW and Huber loss (Presto's recipe:
  lr 3e-4, weight decay 0.05, batch 64, enqueued as the first trial); trials train up to
  ``max_epochs`` with successive-halving pruning, the chosen configuration is then retrained for
  ``retrain_epochs`` (as DASHA retrains), best-on-validation epoch kept;
- ``lora``: as ``full``, with ``peft`` LoRA adapters on the encoder's attention and MLP layers.
"""
from __future__ import annotations

import copy
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Optional

import numpy as np
import torch
from torch import nn

from sfmbench.data import ArrayInputs, ArraySplit
from sfmbench.errors import ConfigError, DataError, PluginError, SfmbenchError
from sfmbench.method import FitReport
from sfmbench.params import MethodParams, param
from sfmbench.specs import ProblemType, TaskSpec

from ..base import TUNED_BUDGET_PARAMS, FoundationModel, TunedFMParams
from .presto_model import DW_MISSING, NORMED_BANDS, Presto, PrestoConfig

if TYPE_CHECKING:
    from sfmbench.context import RunContext

#: the published checkpoint (nasaharvest/presto, MIT): relative path -> (url, sha256)
PUBLISHED: dict[str, tuple[str, str]] = {
    "config/default.json": (
        "https://raw.githubusercontent.com/nasaharvest/presto/main/config/default.json",
        "a1d68009b090d07a39be8c993167cb8d86ce46be2892763dd81882570cb16010"),
    "data/default_model.pt": (
        "https://raw.githubusercontent.com/nasaharvest/presto/main/data/default_model.pt",
        "559c9d76f525bdf2dd3774da8b1e7f1510769b73baacac12e9e4d8d5c67fbe65"),
}
PUBLISHED_ID = "nasaharvest/presto"
CONFIG_FILES = ("config/default.json", "config.json")
WEIGHT_FILES = ("data/default_model.pt", "default_model.pt", "pytorch_model.bin")

#: head hyperparameter searches of the frozen recipe (first entry of each = Presto's default)
HEAD_SPACES: dict[str, dict[str, list[Any]]] = {
    "linear": {"alpha": [0.0, 0.01, 0.1, 1.0, 10.0, 100.0]},
    "random_forest": {"n_estimators": [100, 300], "max_depth": [None, 8, 16],
                      "min_samples_leaf": [1, 2, 5], "max_features": [1.0, 0.5, 0.33]},
}
#: Presto's sklearn heads as published (the first trial)
HEAD_DEFAULTS: dict[str, dict[str, Any]] = {
    "linear": {"alpha": 0.0},
    "random_forest": {"n_estimators": 100, "max_depth": None, "min_samples_leaf": 1,
                      "max_features": 1.0},
}
#: fine-tuning search (Presto's published recipe is the first trial)
FINETUNE_SPACE: dict[str, list[Any]] = {"learning_rate": [1e-4, 3e-4, 1e-3, 3e-3],
                                        "weight_decay": [0.0, 0.01, 0.05, 0.1],
                                        "batch_size": [32, 64, 128]}
FINETUNE_DEFAULTS: dict[str, Any] = {"learning_rate": 3e-4, "weight_decay": 0.05,
                                     "batch_size": 64}


# ----------------------------------------------------------------------------------------------
# checkpoints
# ----------------------------------------------------------------------------------------------
def _first(folder: Path, names: tuple[str, ...], what: str) -> Path:
    for name in names:
        if (folder / name).is_file():
            return folder / name
    raise ConfigError(f"no Presto {what} in {folder} (looked for {', '.join(names)})",
                      "point model.model_id at a folder in Presto's layout (config/default.json "
                      "and data/default_model.pt), or use model_id nasaharvest/presto")


def load_presto(folder: str | Path) -> Presto:
    """Build Presto from a checkpoint folder; every state-dict key must match."""
    folder = Path(folder)
    cfg_path = _first(folder, CONFIG_FILES, "config")
    try:
        cfg = PrestoConfig.from_json(cfg_path)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"invalid Presto config {cfg_path}: {exc}",
                          "use the config/default.json published with the weights") from exc
    weights = _first(folder, WEIGHT_FILES, "weights")
    try:
        state = torch.load(weights, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for corrupt or non-tensor files
        raise ConfigError(f"cannot read Presto weights {weights}: {exc}",
                          "the file must be a torch state dict (Presto's default_model.pt)"
                          ) from exc
    model = Presto(cfg)
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    shapes = sorted(k for k in set(own) & set(state) if own[k].shape != state[k].shape)
    if missing or unexpected or shapes:
        raise PluginError(f"Presto weights {weights} do not fit the config {cfg_path}: "
                          f"missing {missing[:5]}, unexpected {unexpected[:5]}, wrong shape "
                          f"{shapes[:5]}", "use the config published with these weights")
    model.load_state_dict(state, strict=True)
    return model.eval()


def save_presto(model: Presto, folder: str | Path) -> Path:
    """Write ``model`` in Presto's published layout (what :func:`load_presto` reads)."""
    folder = Path(folder)
    (folder / "config").mkdir(parents=True, exist_ok=True)
    (folder / "data").mkdir(parents=True, exist_ok=True)
    model.config.to_json(folder / "config" / "default.json")
    torch.save(model.state_dict(), folder / "data" / "default_model.pt")
    return folder


def published_folder() -> Path:
    """``<SFMBENCH_DATA>/presto`` with the published files (downloaded when missing)."""
    from sfmbench.download import ensure_file
    for rel, (url, sha) in PUBLISHED.items():
        ensure_file(Path("presto") / rel, url, sha)
    from sfmbench.download import data_root
    return data_root() / "presto"


# ----------------------------------------------------------------------------------------------
# modules
# ----------------------------------------------------------------------------------------------
class PrestoInputs(nn.Module):
    """Decodes a task's (B, 21, T) samples into Presto's inputs and encodes them."""

    def __init__(self, encoder: nn.Module, n_bands: int, side: dict[str, dict[str, float]]
                 ) -> None:
        super().__init__()
        self.encoder, self.n_bands = encoder, n_bands
        self.side = {k: (int(v["index"]), float(v["scale"])) for k, v in side.items()}

    def _side(self, x: torch.Tensor, name: str) -> torch.Tensor:
        index, scale = self.side[name]
        return x[:, index] * scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        bands = x[:, :self.n_bands].transpose(1, 2)
        dw = torch.round(self._side(x, "dynamic_world")).long().clamp(0, DW_MISSING)
        month = torch.round(self._side(x, "month")).long().remainder(12)
        latlon = torch.stack([self._side(x, "latitude")[:, 0],
                              self._side(x, "longitude")[:, 0]], -1)
        return self.encoder(bands, dw, latlon, month=month)


class PrestoRegressor(nn.Module):
    """Presto's encoder plus a linear head (Presto's fine-tuning model)."""

    def __init__(self, inputs: PrestoInputs, head: nn.Module) -> None:
        super().__init__()
        self.inputs, self.head = inputs, head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.inputs(x))


class HuberLoss(nn.Module):
    """Presto's fine-tuning loss."""

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return nn.functional.huber_loss(pred.reshape(target.shape), target.float())


# ----------------------------------------------------------------------------------------------
# the adapter
# ----------------------------------------------------------------------------------------------
@dataclass
class PrestoParams(TunedFMParams):
    """Presto on pixel time series: recipe, head and the budget's tuning counts."""

    model_id: Optional[str] = param(PUBLISHED_ID)
    recipe: str = param("full", "fine-tuning recipe: frozen, full or lora")
    head: str = param("linear", "frozen recipe's head: linear or random_forest")
    search_space: dict[str, Any] = param({}, "hyperparameter -> choices (empty = the recipe's "
                                             "default search)")
    first_trial: dict[str, Any] = param({}, "trial 0 (empty = Presto's published settings)")
    max_epochs: int = param(20)
    retrain_epochs: int = param(20)
    eval_batch_size: int = param(512, "batch size of validation and test predictions")
    grad_clip: Optional[float] = param(None, "gradient-norm clip (null = none)")
    lora: dict[str, Any] = param({"r": 8, "lora_alpha": 16, "lora_dropout": 0.0,
                                  "target_modules": ["qkv", "proj", "fc1", "fc2"]})


class PrestoFM(FoundationModel):
    """Presto (Tseng et al. 2023) on pixel-time-series regression tasks."""

    extra: ClassVar[str | None] = "satellite"
    description: ClassVar[str] = (
        "Presto (Tseng et al. 2023): pixel-time-series transformer, published weights; "
        "recipes frozen (linear or random-forest head on the encodings), full, lora"
    )

    problems: ClassVar[frozenset[ProblemType]] = frozenset({ProblemType.REGRESSION})
    domains: ClassVar[frozenset[str]] = frozenset({"satellite"})
    recipes: ClassVar[frozenset[str]] = frozenset({"frozen", "full", "lora"})
    pretraining_data: ClassVar[str | None] = (
        "21.5M pixel time series (S1, S2, ERA5, SRTM, Dynamic World; global, 2020-2021)")
    Params: ClassVar[type[MethodParams]] = PrestoParams
    #: the budget's counts -> these parameters: the same trials, successive-halving schedule,
    #: epochs, retraining epochs and training samples as DASHA
    budget_params: ClassVar[dict[str, str]] = TUNED_BUDGET_PARAMS

    @classmethod
    def supports(cls, spec: TaskSpec) -> bool:
        """Regression tasks whose inputs are Presto-normalized pixel time series."""
        return (super().supports(spec) and spec.extra.get("normalization") == "presto"
                and tuple(spec.extra.get("bands") or ()) == NORMED_BANDS)

    def __init__(self, spec: TaskSpec, params: Mapping[str, Any], ctx: RunContext) -> None:
        super().__init__(spec, params, ctx)
        if self.params["head"] not in HEAD_SPACES:
            raise ConfigError(f"unknown Presto head {self.params['head']!r}",
                              f"use one of: {', '.join(HEAD_SPACES)} (model.head=...)")
        self.model: nn.Module | None = None
        self.head: Any = None
        self.embedder: PrestoInputs | None = None
        self.target_shape: tuple[int, ...] = ()

    # -- loading -------------------------------------------------------------------------------
    def load_source(self, **resolve_kwargs: Any) -> Path:
        if self.params.get("model_id") == PUBLISHED_ID:
            self.source = published_folder()
            return self.source
        return super().load_source(**resolve_kwargs)

    def _inputs(self, presto: Presto) -> PrestoInputs:
        extra = self.spec.extra
        side = extra.get("side_channels") or {}
        missing = {"dynamic_world", "month", "latitude", "longitude"} - set(side)
        if missing:
            raise DataError(f"task {self.spec.name!r} lacks Presto side channels "
                            f"{sorted(missing)}", "use a Presto task (satellite/presto-*)")
        return PrestoInputs(presto.encoder, len(NORMED_BANDS), side)

    def _check(self, split: Any, name: str) -> ArraySplit:
        if not isinstance(split, ArraySplit) or len(split) == 0:
            raise DataError(f"Presto needs a non-empty {name} ArraySplit, got "
                            f"{type(split).__name__}", "use a Presto task (satellite/presto-*)")
        return split

    # -- public contract -----------------------------------------------------------------------
    def fit(self, train: ArraySplit, val: ArraySplit) -> FitReport:
        train, val = self._check(train, "train"), self._check(val, "validation")
        self.target_shape = tuple(train.y.shape[1:])
        start = time.perf_counter()
        folder = self.load_source(allow_patterns=("*.json", "*.pt", "*.bin"))
        self.presto = load_presto(folder)
        stages = {"load": time.perf_counter() - start}
        full_train = train
        train = self.tuning_data(train)
        if self.recipe == "frozen":
            tuned, stages["embed"] = self._fit_frozen(train, val)
            best_val, epochs, refit = tuned.value, None, None
            chosen = {**HEAD_DEFAULTS[self.params["head"]], **tuned.params}
        else:
            tuned = self.tune(lambda hp, report: self._finetune(hp, train, val,
                                                                int(self.params["max_epochs"]),
                                                                report),
                              stage=self.recipe, search_space=self.search_space(),
                              first_trial=self.first_trial(), prune=True)
            chosen = {**FINETUNE_DEFAULTS, **tuned.params}
            start = time.perf_counter()
            best_val, self.model = self._finetune(chosen, full_train, val,
                                                  int(self.params["retrain_epochs"]))
            if tuned.artifact is not None and len(train) == len(full_train) and \
                    (best_val is None or self.spec.is_better(tuned.value, best_val)):
                best_val, self.model = tuned.value, tuned.artifact   # chosen on validation
            stages["retrain"] = time.perf_counter() - start
            epochs, refit = int(self.params["retrain_epochs"]), len(full_train)
        stages["tune"] = tuned.seconds
        guard = getattr(self.ctx, "guard", None)
        return self.fit_report(
            best_val_metric=best_val,
            hyperparameters={**chosen, "head": self.params["head"]}
            if self.recipe == "frozen" else chosen,
            n_trials=tuned.n_trials, epochs=epochs, stage_seconds=stages,
            tune_seconds=tuned.seconds, train_samples=len(train),
            truncated=bool(getattr(guard, "tripped", False)),
            extra={"retrain_samples": refit, "trial_best_val": tuned.value,
                   "trials": tuned.history})

    def predict(self, inputs: ArrayInputs) -> np.ndarray:
        from sfmbench.training import predict_scores

        if not isinstance(inputs, ArrayInputs):
            raise DataError(f"Presto predicts array inputs, got {type(inputs).__name__}")
        batch = int(self.params["eval_batch_size"])
        if self.recipe == "frozen":
            if self.head is None or self.embedder is None:
                raise SfmbenchError("Presto.predict() called before fit()",
                                    "fit the method on train/validation first")
            codes = predict_scores(self.embedder, inputs, batch, self.ctx.device)
            out = np.asarray(self.head.predict(codes), dtype=np.float32)
        else:
            if self.model is None:
                raise SfmbenchError("Presto.predict() called before fit()",
                                    "fit the method on train/validation first")
            out = predict_scores(self.model, inputs, batch, self.ctx.device)
        return out.reshape(len(inputs), *self.target_shape)

    # -- searches ------------------------------------------------------------------------------
    def search_space(self) -> dict[str, list[Any]]:
        given = dict(self.params.get("search_space") or {})
        if self.recipe == "frozen":
            default = HEAD_SPACES[self.params["head"]]
        else:
            default = FINETUNE_SPACE
        space = {k: list(v) if isinstance(v, (list, tuple)) else [v]
                 for k, v in (given or default).items()}
        unknown = set(space) - set(default)
        if unknown:
            raise ConfigError(f"cannot search {sorted(unknown)} for recipe {self.recipe!r}",
                              f"search_space may hold {', '.join(default)}")
        return space

    def first_trial(self) -> dict[str, Any]:
        """Presto's published settings (or the ``first_trial`` param), enqueued as trial 0."""
        given = dict(self.params.get("first_trial") or {})
        if given:
            return given
        return dict(HEAD_DEFAULTS[self.params["head"]] if self.recipe == "frozen"
                    else FINETUNE_DEFAULTS)

    # -- frozen --------------------------------------------------------------------------------
    def _fit_frozen(self, train: ArraySplit, val: ArraySplit) -> tuple[Any, float]:
        from sfmbench.training import predict_scores

        start = time.perf_counter()
        self.embedder = self._inputs(self.presto).eval()
        for p in self.embedder.parameters():
            p.requires_grad_(False)
        batch = int(self.params["eval_batch_size"])
        e_train = predict_scores(self.embedder, train, batch, self.ctx.device)
        e_val = predict_scores(self.embedder, val, batch, self.ctx.device)
        seconds = time.perf_counter() - start
        y_train, y_val = train.y.reshape(len(train), -1), val.y.reshape(len(val), -1)
        if y_train.shape[1] == 1:
            y_train = y_train.ravel()

        def fit_head(hp: dict[str, Any]) -> tuple[float, Any]:
            from sfmbench.metrics import score
            head = self._make_head({**HEAD_DEFAULTS[self.params["head"]], **hp})
            head.fit(e_train, y_train)
            pred = np.asarray(head.predict(e_val), dtype=np.float64).reshape(val.y.shape)
            return score(self.spec, pred, val.y), head

        tuned = self.tune(fit_head, stage=f"frozen-{self.params['head']}",
                          search_space=self.search_space(), first_trial=self.first_trial())
        self.head = tuned.artifact if tuned.artifact is not None else fit_head(tuned.params)[1]
        self.model = self.embedder
        del y_val
        return tuned, seconds

    def _make_head(self, hp: dict[str, Any]) -> Any:
        if self.params["head"] == "linear":
            from sklearn.linear_model import LinearRegression, Ridge
            alpha = float(hp["alpha"])
            return LinearRegression() if alpha == 0 else Ridge(alpha=alpha)
        from sklearn.ensemble import RandomForestRegressor
        depth = hp.get("max_depth")
        return RandomForestRegressor(n_estimators=int(hp["n_estimators"]),
                                     max_depth=None if depth is None else int(depth),
                                     min_samples_leaf=int(hp["min_samples_leaf"]),
                                     max_features=hp["max_features"],
                                     random_state=self.ctx.seed, n_jobs=1)

    # -- fine-tuning ---------------------------------------------------------------------------
    def _finetune(self, hp: dict[str, Any], train: ArraySplit, val: ArraySplit, epochs: int,
                  report: Any = None) -> tuple[float, nn.Module]:
        from sfmbench.seeding import seed_everything
        from sfmbench.training import TrainConfig
        from sfmbench.training import train as run_training

        hp = {**FINETUNE_DEFAULTS, **hp}
        seed_everything(self.ctx.seed)
        presto = copy.deepcopy(self.presto)
        inputs = self._inputs(presto)
        n_out = int(np.prod(self.target_shape)) if self.target_shape else 1
        head = nn.Linear(presto.encoder.embedding_size, n_out)
        inputs.encoder = self.apply_recipe(inputs.encoder, head)
        if self.recipe == "full":   # Presto keeps its fixed position and month tables frozen
            presto.encoder.pos_embed.requires_grad_(False)
            presto.encoder.month_embed.requires_grad_(False)
        model = PrestoRegressor(inputs, head)
        trainable = [p for p in model.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(trainable, lr=float(hp["learning_rate"]),
                                weight_decay=float(hp["weight_decay"]))
        config = TrainConfig(epochs=epochs, batch_size=int(hp["batch_size"]),
                             eval_batch_size=int(self.params["eval_batch_size"]),
                             grad_clip=self.params.get("grad_clip") or None,
                             show_progress=self.ctx.show_progress, seed=self.ctx.seed,
                             description=f"presto {self.recipe}")
        result = run_training(model, train, val, self.spec, config, optimizer=opt,
                              device=self.ctx.device, loss_fn=HuberLoss(), report=report)
        if result.best_score is None or not np.isfinite(result.best_score):
            raise SfmbenchError("Presto fine-tuning produced no finite validation score",
                                "lower the learning rate")
        return float(result.best_score), model

    def parameter_count(self) -> tuple[int | None, int | None]:
        module = self.model
        if module is None:
            return None, None
        params = list(module.parameters())
        total = sum(p.numel() for p in params)
        if self.recipe == "frozen":
            return 0, total
        return sum(p.numel() for p in params if p.requires_grad), total


__all__ = ["PrestoFM", "load_presto", "published_folder", "save_presto"]

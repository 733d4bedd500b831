"""``demo-fm``: the demo's patch transformer, fine-tuned through the FoundationModel contract.

``fit`` resolves the checkpoint (``model_id``: a folder written by ``save_pretrained``, or
``demo-fm`` for the demo checkpoint in the model cache, pretrained on first use), then searches
the learning rate on the validation split with :meth:`FoundationModel.tune`: each trial trains
the forecasting head (``frozen``) or the whole network (``full``) on training windows and is
scored on validation windows; the best trial's model predicts the test inputs.
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Optional

import numpy as np
import torch

from sfmbench.data import SeriesSplit, TrainData
from sfmbench.method import FitReport
from sfmbench.metrics import score
from sfmbench.monitor import report_stage
from sfmbench.params import MethodParams, param
from sfmbench.seeding import seed_everything

from ..timeseries.forecaster import WindowForecaster, WindowParams, evenly_spaced
from .network import Forecaster, from_pretrained
from .pretrain import CHECKPOINT_NAME, PRETRAINING, ensure_pretrained

if TYPE_CHECKING:
    from sfmbench.context import RunContext
    from sfmbench.specs import TaskSpec

#: ``model_id`` naming the demo checkpoint in the model cache
DEMO_ID = "demo-fm"


@dataclass
class DemoParams(WindowParams):
    """The demo FM's fine-tuning (learning rate chosen on validation)."""

    model_id: Optional[str] = param(DEMO_ID)
    recipe: str = param("full")
    search_space: dict[str, Any] = param({"learning_rate": [1.0e-3, 3.0e-3]})
    sampler: str = param("grid")
    n_trials: int = param(2)
    epochs: int = param(3, "fine-tuning epochs per trial")
    train_windows: Optional[int] = param(512, "training windows per epoch, evenly spaced "
                                              "(null = all)")
    batch_size: int = param(128)
    val_windows: Optional[int] = param(256)


class DemoFM(WindowForecaster):
    """Small patch transformer pretrained by sfmbench on generated series (a demo, not a
    published model): masked-patch pretraining, then a fine-tuned linear forecasting head."""

    description: ClassVar[str] = (
        "demo FM: patch transformer pretrained by sfmbench in seconds on generated series "
        "(not a published model)"
    )

    recipes: ClassVar[frozenset[str]] = frozenset({"frozen", "full"})
    pretraining_data: ClassVar[str] = (
        f"{PRETRAINING['n_series']} generated series x {PRETRAINING['length']} steps, "
        f"{PRETRAINING['steps']} masked-patch steps (sfmbench demo corpus)")
    Params: ClassVar[type[MethodParams]] = DemoParams
    params: DemoParams

    def __init__(self, spec: TaskSpec, params: Mapping[str, Any], ctx: RunContext) -> None:
        super().__init__(spec, params, ctx)
        self.model: Forecaster | None = None

    def load_source(self, **resolve_kwargs: Any) -> Path:
        """``demo-fm``: the cached demo checkpoint (pretrained here on first use); anything
        else: a folder or hub id, as for every FM."""
        if self.params.get("model_id") == DEMO_ID:
            report_stage("demo-fm pretraining (first use only)")
            self.source = ensure_pretrained()
            return self.source
        return super().load_source(**resolve_kwargs)

    # -- fitting -------------------------------------------------------------------------------
    def fit(self, train: TrainData, val: TrainData) -> FitReport:
        self.check_splits(train, val)
        assert isinstance(train, SeriesSplit) and isinstance(val, SeriesSplit)
        started = time.perf_counter()
        folder = self.load_source()
        loaded = time.perf_counter()
        x_tr, y_tr = self._training_series(train)
        x_val, y_val = self.validation_windows(val)

        def fit_trial(hp: dict[str, Any]) -> tuple[float, Forecaster]:
            model = self._train(folder, x_tr, y_tr, float(hp["learning_rate"]), train.horizon)
            self.model = model
            return score(self.spec, self._forecast_all(x_val, val.horizon), y_val), model

        result = self.tune(fit_trial)
        self.model = result.artifact or self._train(folder, x_tr, y_tr,
                                                    float(result.params["learning_rate"]),
                                                    train.horizon)
        return self.fit_report(
            best_val_metric=result.value, hyperparameters=dict(result.params),
            n_trials=result.n_trials, epochs=int(self.params.epochs),
            stage_seconds={"load": loaded - started, "tune": result.seconds},
            extra={"checkpoint": CHECKPOINT_NAME if self.params.model_id == DEMO_ID
                   else str(self.params.model_id)})

    def _training_series(self, train: SeriesSplit) -> tuple[np.ndarray, np.ndarray]:
        """Up to ``train_windows`` evenly spaced training windows, as univariate series."""
        origins = train.window_origins()
        x, y = train.windows(origins[evenly_spaced(len(origins), self.params.train_windows)])
        n, length, channels = x.shape
        return (np.ascontiguousarray(x.transpose(0, 2, 1)).reshape(n * channels, length),
                np.ascontiguousarray(y.transpose(0, 2, 1)).reshape(n * channels, -1))

    def _train(self, folder: Path, x: np.ndarray, y: np.ndarray, lr: float,
               horizon: int) -> Forecaster:
        seed_everything(self.ctx.seed)
        encoder = from_pretrained(folder)
        model = Forecaster(encoder, encoder.n_patches(x.shape[1]), horizon)
        self.apply_recipe(model.encoder, head=model.head)
        params = [p for p in model.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(params, lr=lr, weight_decay=1e-4)
        xt, yt = torch.from_numpy(x.astype(np.float32)), torch.from_numpy(y.astype(np.float32))
        gen = torch.Generator().manual_seed(self.ctx.seed)
        bs, epochs = int(self.params.batch_size), int(self.params.epochs)
        model.train()
        for epoch in range(epochs):
            report_stage("demo-fm fine-tune epoch", epoch + 1, epochs)
            for idx in torch.randperm(len(xt), generator=gen).split(bs):
                loss = torch.nn.functional.mse_loss(model(xt[idx]), yt[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
        model.eval()
        return model

    # -- prediction ----------------------------------------------------------------------------
    def forecast_series(self, series: np.ndarray, horizon: int) -> np.ndarray:
        assert self.model is not None, "fit() first"
        with torch.inference_mode():
            return self.model(torch.from_numpy(np.asarray(series, np.float32))).numpy()

    def parameter_count(self) -> tuple[int | None, int | None]:
        if self.model is None:
            return None, None
        params = list(self.model.parameters())
        return (sum(p.numel() for p in params if p.requires_grad),
                sum(p.numel() for p in params))

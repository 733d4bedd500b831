"""A forecasting FM written the way a third-party author plugs one into sfmbench.

The "foundation model" is a small Hugging Face ``PreTrainedModel`` (an MLP over the lookback,
shared across channels). Checkpoints load with ``from_pretrained`` from a hub id or a folder,
exactly as a real FM's would; ``write_checkpoint`` makes one for tests.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import PretrainedConfig, PreTrainedModel

from sfmbench import ForecastInputs, ProblemType, SeriesSplit
from sfmbench.fms.base import FoundationModel
from sfmbench.metrics import score


class TinyPatchConfig(PretrainedConfig):
    model_type = "sfmbench-example-tiny-patch"

    def __init__(self, context_length: int = 32, prediction_length: int = 8, hidden: int = 32,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.context_length, self.prediction_length, self.hidden = (context_length,
                                                                    prediction_length, hidden)


class TinyPatchModel(PreTrainedModel):
    config_class = TinyPatchConfig

    def __init__(self, config: TinyPatchConfig) -> None:
        super().__init__(config)
        self.net = torch.nn.Sequential(torch.nn.Linear(config.context_length, config.hidden),
                                       torch.nn.GELU(),
                                       torch.nn.Linear(config.hidden, config.prediction_length))
        self.post_init()

    def forward(self, context: torch.Tensor) -> torch.Tensor:  # (B, context_length)
        return self.net(context)


def write_checkpoint(folder: Path, **config: Any) -> Path:
    torch.manual_seed(0)
    TinyPatchModel(TinyPatchConfig(**config)).save_pretrained(folder)
    return folder


class TinyPatchFM(FoundationModel):
    """Tiny patch-MLP forecaster: zero-shot, or fully fine-tuned on train (epochs on val)."""

    problems = frozenset({ProblemType.FORECASTING})
    recipes = frozenset({"zero-shot", "full"})
    pretraining_data = "none: an example plugin"
    defaults: dict[str, Any] = {"model_id": None, "recipe": "full", "epochs": 3, "lr": 3e-3}

    def fit(self, train: SeriesSplit, val: SeriesSplit):  # -> FitReport
        source = self.load_source()
        torch.manual_seed(self.ctx.seed)
        self.model = TinyPatchModel.from_pretrained(source)
        best = (self._val_mse(val), 0, {k: v.clone() for k, v in self.model.state_dict().items()})
        if self.recipe == "full":
            x, y = self._pairs(*train.windows())
            opt = torch.optim.Adam(self.model.parameters(), lr=self.params["lr"])
            for epoch in range(1, self.params["epochs"] + 1):
                for i in torch.randperm(len(x)).split(256):
                    opt.zero_grad()
                    torch.nn.functional.mse_loss(self._forward(x[i], y.shape[1]), y[i]).backward()
                    opt.step()
                mse = self._val_mse(val)
                if mse < best[0]:  # checkpoint chosen on validation only
                    best = (mse, epoch, {k: v.clone() for k, v in self.model.state_dict().items()})
        self.model.load_state_dict(best[2])
        return self.fit_report(best_val_metric=best[0], epochs=best[1],
                               hyperparameters={"best_epoch": best[1]})

    @staticmethod
    def _pairs(lookbacks: np.ndarray, targets: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        def flat(a: np.ndarray) -> torch.Tensor:
            return torch.from_numpy(np.ascontiguousarray(a.transpose(0, 2, 1)).reshape(-1, a.shape[1]))
        return flat(lookbacks), flat(targets)

    def _forward(self, x: torch.Tensor, horizon: int) -> torch.Tensor:
        """Recursive extension beyond the native prediction length."""
        ctx_len = self.model.config.context_length
        if x.shape[1] < ctx_len:
            x = torch.nn.functional.pad(x, (ctx_len - x.shape[1], 0))
        window, outs = x[:, -ctx_len:], []
        while sum(o.shape[1] for o in outs) < horizon:
            step = self.model(window)
            outs.append(step)
            window = torch.cat([window, step], 1)[:, -ctx_len:]
        return torch.cat(outs, 1)[:, :horizon]

    def _forecast(self, lookbacks: np.ndarray, horizon: int) -> np.ndarray:
        n, L, C = lookbacks.shape
        x = torch.from_numpy(np.ascontiguousarray(lookbacks.transpose(0, 2, 1)).reshape(-1, L))
        with torch.no_grad():
            y = self._forward(x.float(), horizon).numpy()
        return y.reshape(n, C, horizon).transpose(0, 2, 1)

    def _val_mse(self, val: SeriesSplit) -> float:
        lookbacks, targets = val.windows()
        return score(self.spec, self._forecast(lookbacks, targets.shape[1]), targets)

    def predict(self, inputs: ForecastInputs) -> np.ndarray:
        return self._forecast(inputs.lookbacks(), inputs.horizon)

"""A small forecaster written the way a third-party FM author would plug one in."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from sfmbench import FitReport, ForecastInputs, Method, ProblemType, SeriesSplit


class TinyPatchFM(Method):
    """MLP from the lookback to the horizon, shared across channels, trained on train windows."""

    kind = "fm"
    problems = frozenset({ProblemType.FORECASTING})
    defaults: dict[str, Any] = {"hidden": 32, "epochs": 3, "lr": 3e-3}
    pretraining_data = "none (example plugin)"

    def fit(self, train: SeriesSplit, val: SeriesSplit) -> FitReport:
        torch.manual_seed(self.ctx.seed)
        L, H = train.lookback, train.horizon
        self.model = torch.nn.Sequential(torch.nn.Linear(L, self.params["hidden"]),
                                         torch.nn.GELU(), torch.nn.Linear(self.params["hidden"], H))
        opt = torch.optim.Adam(self.model.parameters(), lr=self.params["lr"])
        x, y = (torch.from_numpy(np.ascontiguousarray(a.transpose(0, 2, 1)).reshape(-1, a.shape[1]))
                for a in train.windows())
        for _ in range(self.params["epochs"]):
            for i in torch.randperm(len(x)).split(256):
                opt.zero_grad()
                torch.nn.functional.mse_loss(self.model(x[i]), y[i]).backward()
                opt.step()
        vx, vy = val.windows()
        val_mse = float(((self._forecast(vx) - vy) ** 2).mean())
        return FitReport(best_val_metric=val_mse, hyperparameters=dict(self.params),
                         epochs=self.params["epochs"])

    def _forecast(self, lookbacks: np.ndarray) -> np.ndarray:
        n, L, C = lookbacks.shape
        x = torch.from_numpy(np.ascontiguousarray(lookbacks.transpose(0, 2, 1)).reshape(-1, L))
        with torch.no_grad():
            y = self.model(x).numpy()
        return y.reshape(n, C, -1).transpose(0, 2, 1)

    def predict(self, inputs: ForecastInputs) -> np.ndarray:
        return self._forecast(inputs.lookbacks())

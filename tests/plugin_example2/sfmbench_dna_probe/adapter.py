"""A DNA FM plugin for sfmbench, written from docs/plugins.md alone.

The backbone is a Hugging Face ``PreTrainedModel`` (a small 1-D convolution over the one-hot
``(N, 5, L)`` ACGTN input, mean-pooled); the adapter puts a linear head on top and trains it
(recipe ``frozen``) or everything (``full``) on the train split, choosing the learning rate and
the epoch on the validation split only.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import PretrainedConfig, PreTrainedModel

from sfmbench import ArrayInputs, ArraySplit, ProblemType
from sfmbench.fms.base import FoundationModel
from sfmbench.metrics import score


class DnaProbeConfig(PretrainedConfig):
    model_type = "sfmbench-dna-probe"

    def __init__(self, channels: int = 5, hidden: int = 16, kernel: int = 7,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.channels, self.hidden, self.kernel = channels, hidden, kernel


class DnaProbeEncoder(PreTrainedModel):
    config_class = DnaProbeConfig

    def __init__(self, config: DnaProbeConfig) -> None:
        super().__init__(config)
        self.conv = torch.nn.Conv1d(config.channels, config.hidden, config.kernel,
                                    padding=config.kernel // 2)
        self.post_init()

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, 5, L) -> (B, hidden)
        return torch.relu(self.conv(x)).mean(-1)


def write_checkpoint(folder: Path, **config: Any) -> Path:
    """A checkpoint folder (``save_pretrained``) that ``model_id`` can point at."""
    torch.manual_seed(0)
    DnaProbeEncoder(DnaProbeConfig(**config)).save_pretrained(folder)
    return folder


class DnaProbeFM(FoundationModel):
    """Convolutional DNA encoder + linear probe, trained on train, selected on validation."""

    problems = frozenset({ProblemType.CLASSIFICATION})
    domains = frozenset({"genomics"})
    recipes = frozenset({"frozen", "full"})
    pretraining_data = "none: an example plugin (random weights)"
    defaults: dict[str, Any] = {"model_id": None, "recipe": "frozen", "epochs": 2,
                                "batch_size": 64, "search_space": {"lr": [0.01]}}

    def fit(self, train: ArraySplit, val: ArraySplit):  # -> FitReport
        source = self.load_source()              # model_id -> local folder (+ remote-code gate)
        k = self.spec.num_classes or 2

        def fit_trial(hp: dict[str, Any]) -> tuple[float, Any]:
            torch.manual_seed(self.ctx.seed)
            backbone = DnaProbeEncoder.from_pretrained(source, **self.hf_kwargs())
            head = torch.nn.Linear(backbone.config.hidden, k)
            model = self.apply_recipe(backbone, head)   # which weights train for the recipe
            params = [p for m in (model, head) for p in m.parameters() if p.requires_grad]
            opt = torch.optim.Adam(params, lr=hp["lr"])
            x = torch.from_numpy(train.x.astype(np.float32))
            y = torch.from_numpy(np.asarray(train.y, dtype=np.int64))
            best = (-np.inf, 0, None)
            for epoch in range(1, int(self.params["epochs"]) + 1):
                for idx in torch.randperm(len(x)).split(int(self.params["batch_size"])):
                    opt.zero_grad()
                    loss = torch.nn.functional.cross_entropy(head(model(x[idx])), y[idx])
                    loss.backward()
                    opt.step()
                value = score(self.spec, self._scores(model, head, val.x), val.y)
                if value > best[0]:               # epoch chosen on validation only
                    state = ({n: t.clone() for n, t in model.state_dict().items()},
                             {n: t.clone() for n, t in head.state_dict().items()})
                    best = (value, epoch, state)
            model.load_state_dict(best[2][0])
            head.load_state_dict(best[2][1])
            return best[0], (model, head, best[1])

        result = self.tune(fit_trial)               # optuna search over params.search_space
        if result.artifact is None:                 # best trial ran in an earlier process
            _, result.artifact = fit_trial(result.params)
        self.model, self.head, epoch = result.artifact
        return self.fit_report(best_val_metric=result.value, epochs=epoch,
                               n_trials=result.n_trials,
                               hyperparameters={**result.params, "best_epoch": epoch})

    def _scores(self, model: torch.nn.Module, head: torch.nn.Module,
                x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            logits = head(model(torch.from_numpy(x.astype(np.float32))))
        return torch.softmax(logits, -1).numpy()

    def predict(self, inputs: ArrayInputs) -> np.ndarray:
        """(N, K) class probabilities, one row per input."""
        return np.concatenate([self._scores(self.model, self.head, b)
                               for b in inputs.batches(256)])

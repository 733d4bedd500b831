"""The plain image references: a timm classifier and an smp UNet, one fixed recipe each.

Both train from scratch by default (``pretrained: false``; ``true`` takes timm's ImageNet
weights from the Hugging Face hub, for the encoder's first three input channels only being
meaningful), with AdamW, a cosine schedule and the task's standard loss, for the budget's
``retrain_epochs`` on the training split; the best epoch on the validation split is kept.
Inputs whose sides the network cannot divide (the UNet needs multiples of 2^depth) are
zero-padded and outputs cropped back.
"""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from sfmbench.data import ArrayInputs, ArraySplit, TestInputs, TrainData
from sfmbench.errors import ConfigError, DataError
from sfmbench.method import FitReport, Method
from sfmbench.seeding import seed_everything
from sfmbench.specs import ProblemType


class PadTo(nn.Module):
    """Zero-pads (N, C, H, W) inputs to multiples of ``multiple`` and crops dense outputs."""

    def __init__(self, net: nn.Module, multiple: int, dense: bool) -> None:
        super().__init__()
        self.net, self.multiple, self.dense = net, multiple, dense

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        ph, pw = (-h) % self.multiple, (-w) % self.multiple
        out = self.net(F.pad(x, (0, pw, 0, ph)) if ph or pw else x)
        return out[..., :h, :w] if self.dense else out


class _ImageReference(Method):
    kind: ClassVar[str] = "baseline"
    tuned: ClassVar[bool] = False
    domains: ClassVar[frozenset[str]] = frozenset({"satellite"})
    defaults: ClassVar[dict[str, Any]] = {
        "encoder": "resnet18", "pretrained": False, "lr": 1e-3, "weight_decay": 0.05,
        "batch_size": 32, "eval_batch_size": 256, "epochs": 30,
    }
    budget_params: ClassVar[dict[str, str]] = {"retrain_epochs": "epochs"}

    def __init__(self, spec: Any, params: dict[str, Any], ctx: Any) -> None:
        super().__init__(spec, params, ctx)
        self.model: nn.Module | None = None

    @classmethod
    def supports(cls, spec: Any) -> bool:
        return super().supports(spec) and len(spec.input_shape) == 3

    def build(self) -> nn.Module:
        raise NotImplementedError

    def fit(self, train: TrainData, val: TrainData) -> FitReport:
        from sfmbench.training import TrainConfig
        from sfmbench.training import train as run_training

        for name, split in (("train", train), ("validation", val)):
            if not isinstance(split, ArraySplit) or split.x.ndim != 4:
                raise DataError(f"{type(self).__name__} needs (N, C, H, W) images for {name}",
                                "use an image task (sfmbench tasks list 'satellite/*')")
        if not self.spec.num_classes:
            raise ConfigError(f"task {self.spec.name!r} declares no num_classes")
        seed_everything(self.ctx.seed)
        self.model = self.build()
        p = self.params
        epochs = int(p["epochs"])
        opt = torch.optim.AdamW(self.model.parameters(), lr=float(p["lr"]),
                                weight_decay=float(p["weight_decay"]))
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(epochs, 1))
        config = TrainConfig(epochs=epochs, batch_size=int(p["batch_size"]),
                             eval_batch_size=int(p["eval_batch_size"]),
                             show_progress=self.ctx.show_progress, seed=self.ctx.seed,
                             description=type(self).__name__)
        result = run_training(self.model, train, val, self.spec, config, optimizer=opt,
                              scheduler=sched, device=self.ctx.device)
        return FitReport(best_val_metric=result.best_score,
                         hyperparameters={k: p[k] for k in ("encoder", "pretrained", "lr",
                                                            "weight_decay", "batch_size")},
                         epochs=result.epochs_run, train_samples=len(train),
                         extra={"best_epoch": result.best_epoch})

    def predict(self, inputs: TestInputs) -> np.ndarray:
        from sfmbench.training import predict_scores, scores_to_outputs

        if self.model is None:
            raise ConfigError(f"{type(self).__name__}.predict called before fit")
        if not isinstance(inputs, ArrayInputs):
            raise DataError(f"{type(self).__name__} predicts array inputs")
        scores = predict_scores(self.model, inputs, int(self.params["eval_batch_size"]),
                                self.ctx.device)
        return scores_to_outputs(scores, self.spec.problem)


class TimmClassifier(_ImageReference):
    """``timm.create_model(encoder, in_chans=C, num_classes=K)``."""

    problems: ClassVar[frozenset[ProblemType]] = frozenset(
        {ProblemType.CLASSIFICATION, ProblemType.MULTILABEL})

    def build(self) -> nn.Module:
        import timm
        try:
            return timm.create_model(str(self.params["encoder"]),
                                     pretrained=bool(self.params["pretrained"]),
                                     in_chans=int(self.spec.input_shape[0]),
                                     num_classes=int(self.spec.num_classes))
        except RuntimeError as exc:
            raise ConfigError(f"timm cannot build {self.params['encoder']!r}: {exc}",
                              "give a timm model name (timm.list_models())") from exc


class SmpUNet(_ImageReference):
    """``segmentation_models_pytorch.Unet(encoder_name, in_channels=C, classes=K)``."""

    problems: ClassVar[frozenset[ProblemType]] = frozenset({ProblemType.SEGMENTATION})
    defaults: ClassVar[dict[str, Any]] = {**_ImageReference.defaults, "encoder_depth": 5}

    def build(self) -> nn.Module:
        import segmentation_models_pytorch as smp
        depth = int(self.params["encoder_depth"])
        try:
            net = smp.Unet(encoder_name=str(self.params["encoder"]),
                           encoder_weights="imagenet" if self.params["pretrained"] else None,
                           encoder_depth=depth, decoder_channels=[256, 128, 64, 32, 16][:depth],
                           in_channels=int(self.spec.input_shape[0]),
                           classes=int(self.spec.num_classes))
        except (KeyError, ValueError) as exc:
            raise ConfigError(f"segmentation_models_pytorch cannot build a UNet on "
                              f"{self.params['encoder']!r}: {exc}",
                              "give an smp encoder name, e.g. resnet18 or tu-<timm name>") \
                from exc
        return PadTo(net, 2 ** depth, dense=True)

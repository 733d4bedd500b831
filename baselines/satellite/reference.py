"""The plain image references: a timm classifier and an smp UNet, one fixed recipe each.

Both train from scratch by default (``pretrained: false``; ``true`` takes timm's ImageNet
weights from the Hugging Face hub, for the encoder's first three input channels only being
meaningful), with AdamW, a cosine schedule and the task's standard loss, for the budget's
``retrain_epochs`` on the training split; the best epoch on the validation split is kept.
Inputs whose sides the network cannot divide (the UNet needs multiples of 2^depth) are
zero-padded and outputs cropped back.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from sfmbench.data import ArraySplit, TestInputs, TrainData, array_inputs
from sfmbench.errors import ConfigError, DataError
from sfmbench.method import FitReport, Method
from sfmbench.params import MethodParams, param
from sfmbench.seeding import seed_everything
from sfmbench.specs import ProblemType

if TYPE_CHECKING:
    from sfmbench.context import RunContext
    from sfmbench.specs import TaskSpec


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


@dataclass
class ImageReferenceParams(MethodParams):
    """The fixed recipe of the image references (no tuning)."""

    encoder: str = param("resnet18", "encoder name (timm; smp encoder names for smp-unet)")
    pretrained: bool = param(False, "start from ImageNet weights (false = random init)")
    lr: float = param(1e-3, "AdamW learning rate")
    weight_decay: float = param(0.05, "AdamW weight decay")
    batch_size: int = param(32, "training batch size")
    eval_batch_size: int = param(256, "batch size of validation and test predictions")
    epochs: int = param(30, "training epochs (budget: retrain_epochs)")


@dataclass
class SmpUNetParams(ImageReferenceParams):
    """The UNet's encoder depth besides the shared recipe."""

    encoder_depth: int = param(5, "encoder stages (the decoder has as many)")


class _ImageReference(Method):
    extra: ClassVar[str | None] = "satellite"
    kind: ClassVar[str] = "baseline"
    tuned: ClassVar[bool] = False
    domains: ClassVar[frozenset[str]] = frozenset({"satellite"})
    Params: ClassVar[type[MethodParams]] = ImageReferenceParams
    budget_params: ClassVar[dict[str, str]] = {"retrain_epochs": "epochs"}

    def __init__(self, spec: TaskSpec, params: Mapping[str, Any], ctx: RunContext) -> None:
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
        scores = predict_scores(self.model, array_inputs(inputs, type(self).__name__),
                                int(self.params.eval_batch_size),
                                self.ctx.device)
        return scores_to_outputs(scores, self.spec.problem)


class TimmClassifier(_ImageReference):
    """``timm.create_model(encoder, in_chans=C, num_classes=K)``."""

    description: ClassVar[str] = (
        "a timm image classifier (default resnet18, random init) trained on the task; fixed "
        "recipe"
    )

    problems: ClassVar[frozenset[ProblemType]] = frozenset(
        {ProblemType.CLASSIFICATION, ProblemType.MULTILABEL})

    def build(self) -> nn.Module:
        import timm
        try:
            return timm.create_model(str(self.params.encoder),
                                     pretrained=bool(self.params.pretrained),
                                     in_chans=int(self.spec.input_shape[0]),
                                     num_classes=int(self.spec.num_classes))
        except RuntimeError as exc:
            raise ConfigError(f"timm cannot build {self.params['encoder']!r}: {exc}",
                              "give a timm model name (timm.list_models())") from exc


class SmpUNet(_ImageReference):
    """``segmentation_models_pytorch.Unet(encoder_name, in_channels=C, classes=K)``."""

    description: ClassVar[str] = (
        "segmentation_models_pytorch UNet on a timm encoder (default resnet18, random init); "
        "fixed recipe"
    )

    problems: ClassVar[frozenset[ProblemType]] = frozenset({ProblemType.SEGMENTATION})
    Params: ClassVar[type[MethodParams]] = SmpUNetParams

    def build(self) -> nn.Module:
        import segmentation_models_pytorch as smp
        depth = int(self.params.encoder_depth)
        try:
            net = smp.Unet(encoder_name=str(self.params.encoder),
                           encoder_weights="imagenet" if self.params.pretrained else None,
                           encoder_depth=depth, decoder_channels=[256, 128, 64, 32, 16][:depth],
                           in_channels=int(self.spec.input_shape[0]),
                           classes=int(self.spec.num_classes))
        except (KeyError, ValueError) as exc:
            raise ConfigError(f"segmentation_models_pytorch cannot build a UNet on "
                              f"{self.params['encoder']!r}: {exc}",
                              "give an smp encoder name, e.g. resnet18 or tu-<timm name>") \
                from exc
        return PadTo(net, 2 ** depth, dense=True)

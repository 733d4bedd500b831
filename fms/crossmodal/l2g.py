"""L2G (Cheng et al., TMLR 2025): a DASH-searched CNN embedder, aligned, then fine-tuned.

Three stages, as in the paper:

1. **search** - DASHA's DASH search (:mod:`sfmbench.baselines.dasha`: the 1-D ResNet with
   every searchable conv a (kernel, dilation) mixture, network and architecture weights trained
   jointly on the training loss) picks the 9 (kernel, dilation) pairs of the embedder's convs;
2. **align** - the embedder (:class:`~.embedders.SearchedCNNEmbed`: C -> w -> 2w -> d, one token
   per position, average-pooled only when the body's token limit or ``max_tokens`` demands it)
   trains with an auxiliary head, body frozen, on ``alpha * MMD(source, token means) +
   task loss``, alpha = 0 for the first ``pretrain_fraction`` of ``embedder_epochs``;
3. **fine-tune** - embedder, body and head together (shared workflow).

Alignment length, learning rates and whether to align at all are chosen on validation.
"""
from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Optional

import numpy as np
import torch
from torch import nn

from sfmbench.data import ArraySplit
from sfmbench.errors import DataError
from sfmbench.params import MethodParams, param
from sfmbench.seeding import seed_everything
from sfmbench.specs import ProblemType
from sfmbench.training import TrainConfig, loss_for, scaled_milestones, sgd, step_schedule
from sfmbench.training import train as train_loop

from .adapter import CrossModalAdapter, CrossModalParams
from .bodies import Body
from .embedders import SearchedCNNEmbed, token_stride
from .losses import gaussian_mmd
from .source import SourceSet

if TYPE_CHECKING:
    from sfmbench.context import RunContext
    from sfmbench.specs import TaskSpec


@dataclass
class L2GParams(CrossModalParams):
    """L2G: a DASH-searched CNN embedder (stage 1), aligned by MMD + task loss (stage 2)."""

    objective: str = param("mmd", "alignment objective: mmd or none (no alignment)")
    embedder_width: int = param(128, "CNN channels: C -> w -> 2w -> d")
    embedder_dropout: float = param(0.0, "dropout in the CNN embedder")
    kernels: list[int] = param([3, 5, 7, 9, 11], "kernel sizes of the DASH search")
    dilations: list[int] = param([1, 3, 5, 7], "dilations of the DASH search")
    search_width: int = param(128, "channels of the search net")
    search_epochs: int = param(80, "DASH search epochs (budget: search_epochs)")
    search_batch_fraction: float = param(0.2, "share of the batches seen per search epoch")
    search_subsample: Optional[int] = param(None, "search training samples (null = all; "
                                                  "budget: search_samples)")
    search_batch_size: int = param(128, "batch size of the search")
    search_lr: float = param(0.1, "SGD learning rate of the network weights in the search")
    search_arch_lr: float = param(0.05, "SGD learning rate of the architecture weights")
    search_weight_decay: float = param(5e-4, "weight decay in the search")
    grad_scale: float = param(100.0, "factor on the architecture weights' gradients")
    embedder_epochs: int = param(100, "alignment epochs (0 = no alignment)")
    pretrain_fraction: float = param(0.6, "share of the alignment epochs on task loss only")
    align_lr: float = param(0.01, "SGD learning rate of the alignment")
    align_momentum: float = param(0.99, "SGD momentum of the alignment")
    align_weight_decay: float = param(5e-4, "weight decay of the alignment")
    align_samples: Optional[int] = param(None, "seeded subset of train for the alignment "
                                               "(null = all)")
    align_batch_size: int = param(256)
    search_space: dict[str, Any] = param({"objective": ["none", "mmd"], "lr": [1e-5, 5e-5]})


class L2G(CrossModalAdapter):
    """L2G cross-modal fine-tuning of a text encoder on 1-D inputs (genomics, time series)."""

    description: ClassVar[str] = (
        "L2G (Cheng et al. 2025): DASH-searched CNN embedder aligned by MMD + task loss, then "
        "full fine-tuning of any HF encoder"
    )

    Params: ClassVar[type[MethodParams]] = L2GParams
    params: L2GParams
    objectives: ClassVar[tuple[str, ...]] = ("mmd", "none")
    align_keys: ClassVar[tuple[str, ...]] = ("objective", "embedder_epochs", "align_lr",
                                             "align_momentum")
    budget_params: ClassVar[dict[str, str]] = {
        **CrossModalAdapter.budget_params, "search_epochs": "search_epochs",
        "search_samples": "search_subsample"}

    def __init__(self, spec: TaskSpec, params: Mapping[str, Any], ctx: RunContext) -> None:
        super().__init__(spec, params, ctx)
        if len(spec.input_shape) != 2:
            raise DataError(f"L2G takes 1-D inputs ((C, L) samples or series windows), task "
                            f"{spec.name!r} has shape {spec.input_shape}",
                            "use orca for images")
        self.arch: list[tuple[int, int]] | None = None

    # stage 1 -------------------------------------------------------------------------------
    def prepare(self, train: ArraySplit, val: ArraySplit) -> dict[str, float]:
        from sfmbench.baselines.dasha.mixture import (
            SearchSpace,
            arch_parameters,
            scale_arch_gradients,
            selected_architecture,
            weight_parameters,
        )
        from sfmbench.baselines.dasha.networks import MixtureConvs, build_backbone

        p = self.params
        start = time.perf_counter()
        seed_everything(self.ctx.seed)
        space = SearchSpace(tuple(p["kernels"]), tuple(p["dilations"]))
        model = build_backbone("resnet1d", self.channels, self.n_out, width=int(p["search_width"]),
                               depth=0, dropout=0.0, conv=MixtureConvs(1, space, True, "auto"))
        epochs = int(p["search_epochs"])
        opt_w = sgd(weight_parameters(model), p["search_lr"], 0.9, p["search_weight_decay"])
        opt_a = sgd(arch_parameters(model), p["search_arch_lr"], 0.9, p["search_weight_decay"])
        sched = [step_schedule(o, scaled_milestones([30, 60, 80], 100, epochs))
                 for o in (opt_w, opt_a)]
        data = train.sample(p["search_subsample"], self.ctx.seed + 3)
        config = TrainConfig(epochs=epochs, batch_size=int(p["search_batch_size"]),
                             batch_fraction=float(p["search_batch_fraction"]), grad_clip=1.0,
                             seed=self.ctx.seed, show_progress=self.ctx.show_progress,
                             description="l2g search")
        if epochs > 0:
            train_loop(model, data, None, self.spec, config, optimizer=[opt_w, opt_a],
                       scheduler=sched, device=self.ctx.device,
                       before_step=lambda m: scale_arch_gradients(m, p["grad_scale"]))
            self.arch = selected_architecture(model)
        return {"search": time.perf_counter() - start}

    # stage 2 -------------------------------------------------------------------------------
    def make_embedder(self, body: Body, p: dict[str, Any]) -> nn.Module:
        length = self.spatial[0]
        limit = min(body.max_tokens, int(p.get("max_tokens") or body.max_tokens))
        return SearchedCNNEmbed(self.channels, body.dim, int(p["embedder_width"]), self.arch,
                                token_stride(length, limit), float(p["embedder_dropout"]))

    def align(self, embedder: nn.Module, body: Body, train: ArraySplit, source: SourceSet,
              p: dict[str, Any]) -> dict[str, Any]:
        epochs = int(p["embedder_epochs"])
        head = self.make_head(body, self.n_tokens(embedder, body))
        data = train.sample(p["align_samples"], self.ctx.seed + 4)
        src = torch.as_tensor(source.x)
        criterion = loss_for(self.spec.problem)
        pretrain = int(math.floor(float(p["pretrain_fraction"]) * epochs))
        params = list(embedder.parameters()) + list(head.parameters())
        opt = sgd(params, float(p["align_lr"]), float(p["align_momentum"]),
                  float(p["align_weight_decay"]))
        sched = step_schedule(opt, scaled_milestones([40, 60, 80], 100, epochs))
        rng = np.random.default_rng(self.ctx.seed)
        batch = min(int(p["align_batch_size"]), len(data))
        y_all = torch.as_tensor(np.asarray(data.y))
        y_all = y_all.long() if self.spec.problem is ProblemType.CLASSIFICATION else y_all.float()
        history = []
        embedder.train()
        head.train()
        for epoch in range(epochs):
            alpha = 0.0 if epoch < pretrain else 1.0
            order = rng.permutation(len(data))
            total = 0.0
            for i in range(0, len(order), batch):
                idx = np.sort(order[i:i + batch])
                xb = torch.as_tensor(np.asarray(data.x[idx], np.float32))
                tokens = embedder(xb)
                loss = criterion(head(tokens), y_all[idx])
                if alpha:
                    pick = torch.randint(len(src), (len(idx),))
                    loss = loss + alpha * gaussian_mmd(src[pick], tokens.mean(1))
                opt.zero_grad(set_to_none=True)
                loss.backward()
                nn.utils.clip_grad_norm_(params, 1.0)
                opt.step()
                total += float(loss.detach()) * len(idx)
            sched.step()
            history.append(total / len(data))
        return {"aligned": True, "objective": "mmd+task", "epochs": epochs,
                "pretrain_epochs": pretrain, "loss_first": history[0],
                "loss_last": history[-1], "samples": len(data)}

    def architecture(self, net: Any) -> dict[str, Any]:
        return {**super().architecture(net), "searched_layers": [list(kd) for kd in self.arch]
                if self.arch else None, "kernels": list(self.params.kernels),
                "dilations": list(self.params.dilations)}

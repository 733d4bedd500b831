"""ORCA (Shen et al., ICML 2023): embed, align, refine, over any Hugging Face encoder.

- Embedder: 1-D, :class:`~.embedders.PatchEmbed1d` with stride = the smallest divisor of the
  input length that fits the body's token limit (or ``max_tokens``), LayerNorm copied from the
  body's embedding and positions initialised from the body's; 2-D,
  :class:`~.embedders.PatchEmbed2d` initialised from the body's patch convolution.
- Align: the embedder alone, ``embedder_epochs`` optimiser steps (ORCA's one step per epoch),
  each on ``align_batch_size`` target samples (token means) against the source features, by
  OTDD (:class:`~.losses.OTDD`: labels or k-means pseudo-labels, source label distances
  computed once) or MMD; Adam at ``align_lr``, x0.2 at 1/3 and 2/3 of the steps.
- Refine: embedder, body and head together on the task loss (shared workflow).
- Every choice (alignment steps incl. none, learning rate, objective) is made on validation.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from sfmbench.data import ArraySplit
from sfmbench.params import MethodParams, param

from .adapter import CrossModalAdapter, CrossModalParams
from .bodies import Body
from .embedders import PatchEmbed1d, PatchEmbed2d, token_stride
from .losses import OTDD, gaussian_mmd
from .source import SourceSet


@dataclass
class OrcaParams(CrossModalParams):
    """ORCA: a patch embedder; images are resized for vision bodies."""

    image_size: int = param(224, "image side for a vision body")


class Orca(CrossModalAdapter):
    """ORCA cross-modal fine-tuning of a text (1-D) or vision (2-D) encoder."""

    description: ClassVar[str] = (
        "ORCA (Shen et al. 2023): patch embedder aligned by OTDD/MMD, then full fine-tuning "
        "of any HF encoder"
    )

    Params: ClassVar[type[MethodParams]] = OrcaParams
    params: OrcaParams

    def make_embedder(self, body: Body, p: dict[str, Any]) -> nn.Module:
        if len(self.spatial) == 1:
            length = self.spatial[0]
            limit = min(body.max_tokens, int(p.get("max_tokens") or body.max_tokens))
            stride = token_stride(length, limit)
            return PatchEmbed1d(self.channels, length, body.input_dim, stride,
                                body.position_init(length // stride), body.layer_norm())
        conv = body.patch_conv()
        patch = int(conv.kernel_size[0]) if conv is not None else 4
        return PatchEmbed2d(self.channels, body.input_dim, patch, p.get("image_size"), conv,
                            body.layer_norm())

    def otdd(self, source: SourceSet, p: dict[str, Any]) -> OTDD:
        """The OTDD against ``source``; its source-source label distances are computed once
        per source set and OTDD setting, and shared by every alignment of this fit."""
        key = (id(source), int(p["otdd_batch_size"]), int(p["otdd_class_size"]))
        cache = self.__dict__.setdefault("_otdd", {})
        if key not in cache:
            cache[key] = OTDD(torch.as_tensor(source.x), torch.as_tensor(source.y),
                              batch_size=key[1], class_size=key[2], seed=self.ctx.seed)
        return cache[key]

    def align(self, embedder: nn.Module, body: Body, train: ArraySplit, source: SourceSet,
              p: dict[str, Any]) -> dict[str, Any]:
        steps = int(p["embedder_epochs"])
        labels = torch.as_tensor(self.target_labels(train))
        n_classes = int(labels.max()) + 1
        src_x = torch.as_tensor(source.x)
        objective = p["objective"]
        distance = self.otdd(source, p) if objective == "otdd" else None
        opt = torch.optim.Adam(embedder.parameters(), lr=float(p["align_lr"]))
        sched = torch.optim.lr_scheduler.MultiStepLR(
            opt, sorted({max(1, steps // 3), max(1, 2 * steps // 3)}), gamma=0.2)
        rng = np.random.default_rng(self.ctx.seed)
        x_all = train.x
        batch = min(int(p["align_batch_size"]), len(x_all))
        losses = []
        embedder.train()
        for _ in range(steps):
            idx = np.sort(rng.choice(len(x_all), batch, replace=False))
            xb = torch.as_tensor(np.asarray(x_all[idx], np.float32))
            out = embedder(xb)
            feats = (out[0] if isinstance(out, tuple) else out).mean(1)
            if distance is not None:
                loss = distance(feats, labels[idx], n_classes)
            else:
                pick = torch.randint(len(src_x), (batch,))
                loss = gaussian_mmd(src_x[pick], feats)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            losses.append(float(loss.detach()))
        return {"aligned": True, "objective": objective, "steps": steps,
                "loss_first": losses[0], "loss_last": losses[-1],
                "target_classes": n_classes, "batch_size": batch}

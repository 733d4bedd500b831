"""Pretraining of the demo FM: masked-patch reconstruction on the generated corpus.

A fraction of each context's patches is replaced by a learned mask token and the encoder learns
to reconstruct their values (mean squared error on the masked patches only): the
self-supervised objective of PatchTST/MOMENT-style models. A few hundred steps on a CPU take
seconds; the checkpoint is written once into the model cache and reused by every job.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .corpus import generate_corpus
from .network import CONFIG_FILE, PatchConfig, PatchEncoder, save_pretrained

#: what the published checkpoint name stands for (changing any of these needs a new name)
PRETRAINING: dict[str, Any] = {"n_series": 256, "length": 1024, "context": 128, "steps": 600,
                               "batch_size": 64, "mask_ratio": 0.4, "lr": 2e-3, "seed": 0}
CHECKPOINT_NAME = "demo-fm-v1"


def default_folder() -> Path:
    """Where the demo checkpoint lives: ``SFMBENCH_MODEL_CACHE``, else the user cache dir."""
    root = os.environ.get("SFMBENCH_MODEL_CACHE")
    if not root:
        from platformdirs import user_cache_dir
        root = str(Path(user_cache_dir("sfmbench")) / "models")
    return Path(root) / CHECKPOINT_NAME


def pretrain(folder: Path, *, n_series: int, length: int, context: int, steps: int,
             batch_size: int, mask_ratio: float, lr: float, seed: int,
             config: PatchConfig | None = None) -> Path:
    """Pretrain a :class:`PatchEncoder` and save it to ``folder``; returns the folder."""
    started = time.perf_counter()
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    corpus = torch.from_numpy(generate_corpus(n_series, length, seed))
    encoder = PatchEncoder(config or PatchConfig())
    opt = torch.optim.AdamW(encoder.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    n_patches = encoder.n_patches(context)
    losses = []
    encoder.train()
    for _ in range(steps):
        rows = torch.randint(0, n_series, (batch_size,), generator=generator)
        starts = torch.randint(0, length - context + 1, (batch_size,), generator=generator)
        x = torch.stack([corpus[r, s:s + context] for r, s in zip(rows.tolist(), starts.tolist())])
        x = (x - x.mean(1, keepdim=True)) / (x.std(1, keepdim=True) + 1e-5)
        mask = torch.rand(batch_size, n_patches, generator=generator) < mask_ratio
        target = encoder.patches(x)
        recon = encoder.reconstruct(encoder(x, mask))
        loss = ((recon - target) ** 2)[mask].mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(encoder.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
    info = {"objective": "masked-patch reconstruction (MSE on masked patches)",
            "corpus": f"{n_series} generated series x {length} steps (sfmbench.fms.demo.corpus)",
            "final_loss": float(np.mean(losses[-20:])), "seconds": time.perf_counter() - started,
            "n_series": n_series, "length": length, "context": context, "steps": steps,
            "batch_size": batch_size, "mask_ratio": mask_ratio, "lr": lr, "seed": seed}
    save_pretrained(encoder, folder, info)
    return folder


def ensure_pretrained(folder: Path | None = None) -> Path:
    """The demo checkpoint folder, pretraining it first when it does not exist (once, under a
    file lock, so parallel workers wait for the first one)."""
    from filelock import FileLock

    folder = Path(folder or default_folder())
    if (folder / CONFIG_FILE).is_file():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder) + ".lock"):
        if not (folder / CONFIG_FILE).is_file():
            tmp = folder.with_name(folder.name + f".tmp{os.getpid()}")
            pretrain(tmp, **PRETRAINING)
            os.replace(tmp, folder)
    return folder

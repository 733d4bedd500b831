"""What the harness hands a method besides the data: seed, device, budget, storage, progress."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def default_device() -> str:
    """``cuda`` when a GPU is visible (and not disabled by SFMBENCH_DEVICE), else ``cpu``."""
    forced = os.environ.get("SFMBENCH_DEVICE")
    if forced:
        return forced
    try:
        import torch
        return "cuda" if torch.cuda.is_available() else "cpu"
    except ImportError:  # pragma: no cover
        return "cpu"


@dataclass
class RunContext:
    """Per-job context: everything a method may use besides its params and the data."""

    seed: int = 0
    budget: str = "cpu"
    budget_config: dict[str, Any] = field(default_factory=dict)
    device: str = field(default_factory=default_device)
    storage_url: str | None = None      # optuna studies live here (same DB as results)
    study_prefix: str = "sfmbench"      # deterministic per (task, method, seed, config)
    work_dir: Path = field(default_factory=lambda: Path.cwd() / "sfmbench-runs" / "work")
    show_progress: bool = True
    allow_remote_code: bool = False
    guard: Any = None                   # sfmbench.budget.Guard: runaway guard (None = none)

    def study_name(self, stage: str) -> str:
        return f"{self.study_prefix}:{stage}"

"""Noisy tones: a signal-classification task and a spectral baseline (CONTRIBUTING.md recipes)."""
from __future__ import annotations

from sfmbench.registry import Registry, registers


@registers
def register_tasks(registry: Registry) -> None:
    """Register the task lazily: the module is imported only when the task is used."""
    for n_classes in (3, 5):
        registry.register(f"tones/classes-{n_classes}", "sfmbench_tones.task:ToneTask",
                          params={"n_classes": n_classes}, domain="signals",
                          modality="signals", problem="classification", tiny=n_classes == 3,
                          description=f"noisy sines of {n_classes} frequencies, 1 x 64 samples")

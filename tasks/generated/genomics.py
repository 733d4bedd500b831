"""Generated DNA motif tasks (implementation: :mod:`sfmbench.tasks.genomics.motifs`).

Presets are data: each maps to :class:`~sfmbench.tasks.genomics.motifs.MotifConfig` values;
any of them can be overridden (``task.mutation_rate=0.3``).
"""
from __future__ import annotations

from typing import Any

from sfmbench.task import TaskEntry

#: preset name -> (description, MotifConfig overrides)
PRESETS: dict[str, tuple[str, dict[str, Any]]] = {
    "dna-motif-tiny": ("2 classes, exact 8-bp motifs in 50 bp; 200/100/100 samples (tests)",
                       {"n_train": 200, "n_val": 100, "n_test": 100, "length": 50,
                        "motif_length": 8}),
    "dna-motif-easy": ("2 classes, exact 10-bp motifs in 100 bp; 2000/400/400 samples",
                       {"motif_length": 10, "mutation_rate": 0.0}),
    "dna-motif-hard": ("4 classes, 2 motifs each, 6 bp, 20% mutated, 1% N, in 200 bp; "
                       "2000/400/400 samples",
                       {"length": 200, "num_classes": 4, "motif_length": 6,
                        "motifs_per_class": 2, "mutation_rate": 0.2, "n_rate": 0.01,
                        "data_seed": 1}),
}


ENTRIES: dict[str, TaskEntry] = {
    f"generated/{name}": TaskEntry("sfmbench.tasks.genomics.motifs:MotifTask", params,
                                   domain="generated", modality="genomics",
                                   problem="classification", tiny=name == "dna-motif-tiny",
                                   description=f"DNA motifs: {desc}")
    for name, (desc, params) in PRESETS.items()
}

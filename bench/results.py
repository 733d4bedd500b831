"""The result record: everything needed to trust and reproduce one number."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

STATUS_OK = "ok"
STATUS_FAILED = "failed"


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


@dataclass
class ResultRow:
    """One (task, model, seed, config) job's outcome. Stored as one row, written atomically.

    ``model`` is the named configuration the user asked for (a YAML in conf/model/ or a registry
    name used directly); ``method`` is the registry name of the Method class it runs.
    """

    job_key: str                       # = config_hash: identity of the job
    task: str
    model: str                         # model name as given by the user (YAML or registry name)
    kind: str                          # baseline | fm
    seed: int
    method: str = ""                   # registry name of the model's Method class
    status: str = STATUS_OK            # ok | failed
    error: str | None = None           # failure reason (type: message, then the traceback tail)
    domain: str = ""
    problem: str = ""
    budget: str = ""
    tuned: bool = False                # a tuned baseline (what FMs are compared against)
    primary_metric: str = ""
    higher_is_better: bool = True
    primary_value: float | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    best_val_metric: float | None = None
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    architecture: dict[str, Any] | None = None
    n_trials: int | None = None
    epochs: int | None = None
    recipe: str | None = None            # an FM's fine-tuning recipe (part of the job key)
    train_samples: int | None = None     # training samples a tuning trial / the fit saw
    truncated: bool = False              # a wall-clock guard stopped work: not a full-budget row
    stage_seconds: dict[str, float] = field(default_factory=dict)
    load_seconds: float | None = None
    train_seconds: float | None = None   # fit() including tuning and search
    tune_seconds: float | None = None    # the part of fit() spent in search/tuning, if reported
    inference_seconds: float | None = None
    total_seconds: float | None = None
    device: str = "cpu"
    peak_memory_mb: float | None = None      # peak RSS of the process during the job
    peak_gpu_memory_mb: float | None = None
    params_trainable: int | None = None
    params_total: int | None = None
    pretraining_data: str | None = None
    n_train: int | None = None
    n_val: int | None = None
    n_test: int | None = None
    config: dict[str, Any] = field(default_factory=dict)  # the resolved job config
    config_hash: str = ""
    package_version: str = ""
    git_revision: str | None = None
    library_versions: dict[str, str] = field(default_factory=dict)
    host: str = ""
    predictions_path: str | None = None
    started_at: datetime | None = None
    finished_at: datetime = field(default_factory=utcnow)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

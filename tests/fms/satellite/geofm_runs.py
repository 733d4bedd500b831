"""One GeoFM job through the real harness (make_job -> run_job), shared by the family tests."""
from __future__ import annotations

from pathlib import Path
from typing import Any

#: the generated tiny tasks' four bands, named as the model's Sentinel-2 bands
TINY_BAND_MAP = {"B2": "band0", "B3": "band1", "B4": "band2", "B8": "band3"}


def run_geofm(tmp_path: Path, task: str, params: dict[str, Any]) -> Any:
    """Run ``geofm`` with ``params`` on ``task`` at budget smoke; the stored row."""
    from sfmbench.config import make_job
    from sfmbench.runner import RunSettings, run_job
    from sfmbench.store import Store

    return run_job(make_job(task, "geofm", 0, "smoke", model_overrides=params),
                   Store(f"sqlite:///{tmp_path / 'r.db'}"),
                   RunSettings(run_dir=tmp_path, show_progress=False))

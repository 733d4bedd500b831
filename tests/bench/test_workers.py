"""Many workers sharing one database: each job runs once, none is lost or stored twice."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sfmbench.store import Store

ROOT = Path(__file__).resolve().parents[2]


def _worker_cmd(url: str) -> list[str]:
    code = ("import sys; sys.path.insert(0, %r); from tests.bench import toy; "
            "from sfmbench import TASKS, METHODS; toy.register(TASKS, METHODS); "
            "from sfmbench.cli import main; sys.exit(main(sys.argv[1:]))" % str(ROOT))
    return [sys.executable, "-c", code, "sweep", "--storage", url, "-q", "tasks=[toy/forecast]",
            "models=[toy-mean]", "seeds=[0,1,2,3,4,5]", "budget=smoke", "model.sleep=0.5"]


def _two_workers(url: str, tmp_path: Path) -> None:
    env = {**os.environ, "SFMBENCH_RUN_DIR": str(tmp_path / "runs")}
    Store(url)  # create the schema once, as a cluster's first worker would
    procs = [subprocess.Popen(_worker_cmd(url), env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    rows = Store(url).rows(latest=False)
    assert len(rows) == 6 and len({r["job_key"] for r in rows}) == 6
    assert all(r["status"] == "ok" for r in rows)


def test_two_workers_share_sqlite(tmp_path: Path) -> None:
    _two_workers(f"sqlite:///{tmp_path / 'shared.db'}", tmp_path)


@pytest.mark.postgres
def test_two_workers_share_postgres(tmp_path: Path, postgres_url: str) -> None:
    _two_workers(postgres_url, tmp_path)


@pytest.mark.postgres
def test_optuna_study_resumes_on_postgres(postgres_url: str) -> None:
    from sfmbench.context import RunContext
    from sfmbench.tuning import finished_trials, optimize

    ctx = RunContext(seed=0, storage_url=postgres_url, study_prefix="toy|m|seed0|k")
    study = optimize(ctx, lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=3,
                     direction="minimize")
    assert len(finished_trials(study)) == 3
    again = optimize(ctx, lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=5,
                     direction="minimize")
    assert len(finished_trials(again)) == 5  # resumed: 2 more, not 5 more
    xs = [t.params["x"] for t in again.trials]
    assert len(set(xs)) == 5  # the resumed sampler does not repeat the first draws

"""Sweeps: skip stored jobs, go on after failures, resume after kill -9 and Ctrl-C."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sfmbench.runner import RunSettings
from sfmbench.store import Store
from sfmbench.sweep import plan_sweep, run_jobs

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("toy_registry")


def test_sweep_goes_on_after_a_failure_and_skips_stored(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    plan = plan_sweep(tasks=["toy/*"], models=["toy-mean", "toy-centroid"], seeds=[0, 1],
                      budget="smoke")
    # toy-mean only forecasts, toy-centroid only classifies: the other pairs are skipped
    assert len(plan.jobs) == 4 and len(plan.skipped) == 2
    failing = plan_sweep(tasks=["toy/forecast"], models=["toy-mean"], seeds=[7], budget="smoke",
                         model_overrides={"fail": True}).jobs
    report = run_jobs(failing + plan.jobs, store, RunSettings(run_dir=tmp_path), progress=False)
    assert report.failed == 1 and report.done == 4
    assert "boom" in report.failures[0][1]
    again = run_jobs(plan.jobs, store, RunSettings(run_dir=tmp_path), progress=False)
    assert again.skipped_existing == 4 and again.done == 0
    assert len(store.rows(latest=False)) == 5


def _sweep_cmd(db: Path, seeds: int, sleep: float) -> list[str]:
    code = ("import sys; sys.path.insert(0, %r); from tests.bench import toy; "
            "from sfmbench import TASKS, METHODS; toy.register(TASKS, METHODS); "
            "from sfmbench.cli import main; sys.exit(main(sys.argv[1:]))" % str(ROOT))
    return [sys.executable, "-c", code, "sweep", "--storage", f"sqlite:///{db}", "-q",
            "tasks=[toy/forecast]", "models=[toy-mean]", f"seeds=[{','.join(map(str, range(seeds)))}]",
            "budget=smoke", f"model.sleep={sleep}"]


def _wait_rows(store: Store, n: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    t0 = time.time()
    while len(store.rows(latest=False)) < n:
        assert proc.poll() is None, "sweep ended before it could be interrupted"
        assert time.time() - t0 < timeout
        time.sleep(0.2)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
def test_sweep_resumes_after_interrupt(tmp_path: Path, sig: int) -> None:
    db = tmp_path / "r.db"
    store = Store(f"sqlite:///{db}")
    env = {**os.environ, "SFMBENCH_RUN_DIR": str(tmp_path / "runs")}
    # a shell's background job ignores SIGINT, and so would this child: give it the default
    proc = subprocess.Popen(_sweep_cmd(db, 6, 0.7), env=env, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    _wait_rows(store, 2, proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    if sig == signal.SIGINT:
        assert proc.returncode == 130 and "re-run the same command to resume" in err
    before = store.rows(latest=False)
    assert 2 <= len(before) < 6
    assert all(r["status"] == "ok" for r in before)
    done = subprocess.run(_sweep_cmd(db, 6, 0.7), env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    after = store.rows(latest=False)
    keys = [r["job_key"] for r in after]
    assert len(after) == 6 and len(set(keys)) == 6          # nothing lost, nothing duplicated
    assert all(r["status"] == "ok" for r in after)
    assert after[: len(before)] == before                   # stored rows untouched
    assert f"{len(before)} already stored" in done.stderr

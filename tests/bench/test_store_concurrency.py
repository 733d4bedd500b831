"""Concurrent first use of one fresh SQLite file, and SIGTERM handled like Ctrl-C."""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from sfmbench.store import Store


def _first_use(url: str, barrier: "mp.synchronize.Barrier", i: int, out: "mp.Queue") -> None:
    try:
        from sfmbench.results import ResultRow
        from sfmbench.tuning import optuna_storage
        barrier.wait(timeout=120)
        store = Store(url)  # our schema ...
        optuna_storage(url)  # ... and optuna's, both created on first use
        store.add(ResultRow(job_key=f"job{i}", task="t", model="m", kind="baseline", seed=i,
                            budget="smoke", status="ok"))
        out.put((i, "ok"))
    except BaseException as exc:  # noqa: BLE001 - reported to the test
        out.put((i, f"{type(exc).__name__}: {exc}"))


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_six_processes_on_a_fresh_database(tmp_path: Path, backend: str,
                                           request: pytest.FixtureRequest) -> None:
    url = (f"sqlite:///{tmp_path / 'fresh.db'}" if backend == "sqlite"
           else request.getfixturevalue("postgres_url"))
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(6), ctx.Queue()
    procs = [ctx.Process(target=_first_use, args=(url, barrier, i, out)) for i in range(6)]
    for p in procs:
        p.start()
    results = dict(out.get(timeout=300) for _ in procs)
    for p in procs:
        p.join(timeout=60)
    assert results == {i: "ok" for i in range(6)}
    assert sorted(r["job_key"] for r in Store(url).rows()) == [f"job{i}" for i in range(6)]


PLUGIN = '''
import time
from pathlib import Path
import numpy as np
from sfmbench import Method, ProblemType
from sfmbench.tuning import optimize


class SlowTuner(Method):
    """Tunes with optuna; each trial waits (long) so the test can terminate it mid-trial."""

    kind = "baseline"
    tuned = True
    problems = frozenset({ProblemType.FORECASTING})
    defaults = {"marker": ""}

    def fit(self, train, val):
        def objective(trial):
            trial.suggest_float("x", 0, 1)
            Path(self.params["marker"]).write_text("in trial")
            time.sleep(120)
            return 0.0
        optimize(self.ctx, objective, n_trials=1, direction="min")

    def predict(self, inputs):
        return np.repeat(inputs.lookbacks()[:, -1:], inputs.horizon, axis=1)
'''


@pytest.mark.slow
def test_sigterm_releases_the_claim_and_fails_the_trial(tmp_path: Path) -> None:
    site = tmp_path / "site"
    info = site / "sigterm_plugin-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: sigterm-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[sfmbench.baselines]\nslow-tuner = "
                                           "sigterm_plugin:SlowTuner\n")
    (site / "sigterm_plugin.py").write_text(PLUGIN)
    marker = tmp_path / "marker"
    db = tmp_path / "r.db"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH",
                                                                                 "")]),
           "SFMBENCH_STORAGE": f"sqlite:///{db}", "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "sfmbench.cli", "sweep", "-q",
                             "tasks=[generated/ts-seasonal-24]", "models=[slow-tuner]",
                             "budget=smoke", f"model.marker={marker}"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 240
    while not marker.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.2)
    assert marker.exists(), proc.communicate(timeout=30)
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from sfmbench_claims")).scalar() == 1
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from sfmbench_claims")).scalar() == 0
        states = [r[0] for r in conn.execute(sa.text("select state from trials"))]
        assert conn.execute(sa.text("select count(*) from sfmbench_results")).scalar() == 0
    assert states == ["FAIL"]


def test_concurrent_first_use_in_threads(tmp_path: Path) -> None:
    """Fast counterpart of the six-process test: schema creation under one lock, retried."""
    import threading

    from sfmbench.store import create_schema, schema_lock

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    errors: list[BaseException] = []

    def use() -> None:
        try:
            Store(url).ok_keys()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=use) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    calls: list[int] = []

    def flaky() -> str:  # a concurrent creator won the race once: retried, then fine
        calls.append(1)
        if len(calls) == 1:
            raise sa.exc.OperationalError("create", {}, Exception("table x already exists"))
        return "created"

    assert create_schema(flaky, url) == "created" and len(calls) == 2
    with schema_lock(url):
        assert Path(str(tmp_path / "fresh.db") + ".schema.lock").exists()


def test_sigterm_in_process_fails_the_trial_and_releases_the_claim(tmp_path: Path) -> None:
    """Fast counterpart of the subprocess test: the real handler, run_jobs, optuna, SQLite."""
    import optuna

    from sfmbench import METHODS
    from sfmbench.config import make_job
    from sfmbench.runner import RunSettings
    from sfmbench.signals import sigterm_as_interrupt
    from sfmbench.sweep import run_jobs

    namespace: dict = {}
    exec(PLUGIN.replace("time.sleep(120)", "os.kill(os.getpid(), signal.SIGTERM); "
                        "time.sleep(30)").replace("import time", "import os, signal, time"),
         namespace)
    METHODS.register("slow-tuner-inproc", namespace["SlowTuner"], source="tests")
    previous = signal.getsignal(signal.SIGTERM)
    url = f"sqlite:///{tmp_path / 'r.db'}"
    store = Store(url)
    try:
        sigterm_as_interrupt()
        job = make_job("generated/ts-seasonal-24", "slow-tuner-inproc", 0, "smoke", None,
                       {"marker": str(tmp_path / "m")})
        with pytest.raises(KeyboardInterrupt):
            run_jobs([job], store, RunSettings(run_dir=tmp_path, show_progress=False),
                     progress=False)
    finally:
        signal.signal(signal.SIGTERM, previous)
        METHODS.unregister("slow-tuner-inproc")
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from sfmbench_claims")).scalar() == 0
    assert store.rows() == []
    (summary,) = optuna.get_all_study_summaries(url)
    study = optuna.load_study(study_name=summary.study_name, storage=url)
    assert [t.state.name for t in study.trials] == ["FAIL"]

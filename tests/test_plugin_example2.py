"""A second plugin package, written from docs/plugins.md alone (tests/plugin_example2/):
it passes check-plugin and runs in a mixed sweep where only it gets its checkpoint from the
command line (``dna-probe.model_id=DIR``)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .pip_installed import pip_installed

PLUGIN = Path(__file__).resolve().parent / "plugin_example2"
SFMBENCH = [sys.executable, "-m", "sfmbench.cli"]


def _checkpoint(folder: Path) -> Path:
    subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                    "from sfmbench_dna_probe.adapter import write_checkpoint; "
                    "write_checkpoint(Path(sys.argv[1]))", str(folder)], check=True,
                   timeout=300, env={**os.environ, "PYTHONPATH": os.pathsep.join(
                       [str(PLUGIN), os.environ.get("PYTHONPATH", "")])})
    return folder


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[type]:
    """The package's entry point and config folder, as pip would wire them (fast path)."""
    from sfmbench import METHODS

    src = tmp_path_factory.mktemp("src")  # the package alone (no build metadata of an install)
    shutil.copytree(PLUGIN / "sfmbench_dna_probe", src / "sfmbench_dna_probe",
                    ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.syspath_prepend(str(src))
    monkeypatch.setenv("SFMBENCH_CONFIG_PATH", str(src / "sfmbench_dna_probe" / "conf"))
    from sfmbench_dna_probe.adapter import DnaProbeFM
    METHODS.register("dna-probe", DnaProbeFM, source="sfmbench-dna-probe")
    yield DnaProbeFM
    METHODS.unregister("dna-probe")


def test_mixed_sweep_plan_gives_only_the_plugin_its_checkpoint(registered, tmp_path):
    from sfmbench.sweep import plan_sweep

    ckpt = tmp_path / "ckpt"
    plan = plan_sweep(tasks=["generated/dna-motif-tiny"], models=["dna-probe", "kmer-logreg"],
                      seeds=[0], budget="smoke", per_model={"dna-probe": {"model_id": str(ckpt)}})
    params = {j.model: j.model_params for j in plan.jobs}
    assert params["dna-probe"]["model_id"] == str(ckpt) and "model_id" not in params["kmer-logreg"]


@pytest.mark.slow
def test_mixed_sweep_runs_in_process(registered, tmp_path):
    from sfmbench.runner import RunSettings
    from sfmbench.store import Store
    from sfmbench.sweep import plan_sweep, run_jobs

    ckpt = _checkpoint(tmp_path / "ckpt")
    plan = plan_sweep(tasks=["generated/dna-motif-tiny"], models=["dna-probe", "kmer-logreg"],
                      seeds=[0], budget="smoke", per_model={"dna-probe": {"model_id": str(ckpt)}})
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    report = run_jobs(plan.jobs, store, RunSettings(run_dir=tmp_path, show_progress=False),
                      progress=False)
    assert (report.done, report.failed) == (2, 0), report.failures
    row = next(r for r in store.rows() if r["model"] == "dna-probe")
    assert row["kind"] == "fm" and row["hyperparameters"]["lr"] in (0.003, 0.01)


def test_per_model_settings_must_name_a_model_of_the_sweep(registered):
    from sfmbench.errors import ConfigError
    from sfmbench.sweep import plan_sweep

    with pytest.raises(ConfigError, match="not in this sweep"):
        plan_sweep(tasks=["generated/dna-motif-tiny"], models=["kmer-logreg"], seeds=[0],
                   budget="smoke", per_model={"dna-probe": {"model_id": "x"}})


def test_missing_yaml_is_a_warning_not_a_failure(registered, monkeypatch, tmp_path):
    from sfmbench_dna_probe.adapter import write_checkpoint

    from sfmbench.plugin_check import check_plugin

    monkeypatch.delenv("SFMBENCH_CONFIG_PATH")  # the class alone, no YAML
    ckpt = write_checkpoint(tmp_path / "ckpt")
    report = check_plugin("dna-probe", {"model.model_id": str(ckpt), "model.epochs": 1,
                                        "model.n_trials": 1, "model.search_space": {"lr": [0.01]}})
    text = _plain("\n".join(report.lines))
    assert report.ok, text
    assert "WARN model config YAML" in text
    assert "PASS classification: end-to-end run on generated/dna-motif-tiny" in text
    failing = check_plugin("dna-probe", {"model.model_id": str(tmp_path / "missing")})
    text = _plain("\n".join(failing.lines))
    assert not failing.ok and "FAIL classification" in text and "hint:" in text, text


def _plain(text: str) -> str:
    """Without rich markup ([green]...[/])."""
    import re
    return re.sub(r"\[/?[a-z ]*\]", "", text)


@pytest.fixture(scope="module")
def installed() -> Iterator[None]:
    with pip_installed(PLUGIN, "sfmbench-dna-probe"):
        yield


@pytest.mark.slow
def test_installed_package_in_a_mixed_sweep_from_the_command_line(installed, tmp_path):
    ckpt = _checkpoint(tmp_path / "ckpt")
    env = {**os.environ, "SFMBENCH_STORAGE": f"sqlite:///{tmp_path / 'r.db'}",
           "OMP_NUM_THREADS": "1"}
    check = subprocess.run([*SFMBENCH, "check-plugin", "dna-probe", f"model.model_id={ckpt}"],
                           env=env, capture_output=True, text=True, timeout=600)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "PASS classification: end-to-end run" in check.stdout
    sweep = subprocess.run([*SFMBENCH, "sweep", "-q", "tasks=[generated/dna-motif-tiny]",
                            "models=[dna-probe,kmer-logreg]", "seeds=[0,1]", "budget=smoke",
                            f"dna-probe.model_id={ckpt}", "dna-probe.recipe=full"],
                           env=env, capture_output=True, text=True, timeout=600)
    assert sweep.returncode == 0, sweep.stdout + sweep.stderr
    assert " ran ok, 0 failed" in sweep.stderr
    from sfmbench.store import Store
    rows = Store(env["SFMBENCH_STORAGE"]).rows()
    probe = [r for r in rows if r["model"] == "dna-probe"]
    assert len(probe) == 2 and all(r["status"] == "ok" for r in rows)
    assert all(r["config"]["model"]["params"]["model_id"] == str(ckpt) and
               r["config"]["model"]["params"]["recipe"] == "full" for r in probe)
    assert {r["model"] for r in rows} == {"dna-probe", "kmer-logreg"}

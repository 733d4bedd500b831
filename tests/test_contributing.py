"""CONTRIBUTING.md's recipes work: a scratch package with a task and a baseline, written from
that page alone (tests/contrib_example), installed with pip, passes check-plugin for both."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PACKAGE = HERE / "contrib_example"
SFMBENCH = [sys.executable, "-m", "sfmbench.cli"]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The package pip-installed into its own folder (the shared environment stays clean)."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--no-build-isolation", "--target", str(target), str(PACKAGE)],
                   check=True, timeout=300)
    run_dir = tmp_path_factory.mktemp("runs")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(target),
                                                         os.environ.get("PYTHONPATH", "")]),
            "SFMBENCH_STORAGE": f"sqlite:///{run_dir / 'r.db'}", "SFMBENCH_RUN_DIR": str(run_dir)}


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SFMBENCH, *args], env=env, capture_output=True, text=True,
                          timeout=600)


def test_contributing_names_every_step() -> None:
    text = (HERE.parent / "CONTRIBUTING.md").read_text()
    for needle in ("sfmbench.tasks", "sfmbench.baselines", "sfmbench.fms", "sfmbench.conf",
                   "check-plugin", "pytest -m slow", "benchmarks/"):
        assert needle in text, needle


def test_new_task_passes_check_plugin(env: dict[str, str]) -> None:
    listed = _cli(["tasks", "list", "tones/*"], env)
    assert listed.returncode == 0 and "tones/classes-3" in listed.stdout, listed.stderr
    check = _cli(["check-plugin", "tones/classes-3"], env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "PASS splits agree with the spec" in check.stdout
    assert "PASS end-to-end run with spectral-centroid" in check.stdout


def test_new_baseline_passes_check_plugin_and_runs(env: dict[str, str]) -> None:
    check = _cli(["check-plugin", "spectral-centroid-log"], env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "PASS adapter contract" in check.stdout
    run = _cli(["run", "-q", "task=tones/classes-5", "model=spectral-centroid-log",
                "budget=smoke"], env)
    assert run.returncode == 0, run.stderr


def test_a_task_that_breaks_its_spec_fails_the_check(env: dict[str, str]) -> None:
    # a parameter the task cannot use: a FAIL line naming the error, no traceback
    check = _cli(["check-plugin", "tones/classes-5", "task.n_classes=abc"], env)
    assert check.returncode != 0
    assert "FAIL task parameters and spec" in check.stdout and "abc" in check.stdout
    assert "Traceback" not in check.stderr

"""Plugins cannot break the suite: broken, duplicate, non-Method and shadowing plugins are
skipped and reported, built-ins keep working, and an opted-in override replaces a built-in."""
from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sfmbench import Method
from sfmbench.errors import PluginError
from sfmbench.registry import Registry

from .plugin_dists import write_plugin_site


@pytest.fixture
def plugin_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = write_plugin_site(tmp_path / "site")
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    return site


def _methods() -> Registry:
    return Registry("model", ("sfmbench.baselines", "sfmbench.fms"), base=Method)


def test_bad_plugins_are_skipped_and_reported(plugin_site: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SFMBENCH_ALLOW_OVERRIDE", raising=False)
    reg = _methods()
    names = reg.list()
    assert {"autoar", "last-value", "dasha"} <= set(names)  # built-ins all there
    assert "faulty-import" not in names and "dupe-fm" not in names
    assert "not-a-method" not in names
    assert reg.entry("autoar").source == "builtin"  # the shadow was refused
    problems = {p.name: p for p in reg.problems()}
    assert "xyz_not_installed" in problems["faulty-import"].reason
    assert "sfmbench-dupe-a" in problems["dupe-fm"].source
    assert "sfmbench-dupe-b" in problems["dupe-fm"].source
    assert "built-in" in problems["autoar"].reason
    assert "SFMBENCH_ALLOW_OVERRIDE=autoar" in problems["autoar"].hint
    assert "not a subclass of Method" in problems["not-a-method"].reason
    # a command naming a broken plugin gets the reason, not "unknown model"
    with pytest.raises(PluginError, match="xyz_not_installed"):
        reg.get("faulty-import")
    with pytest.raises(PluginError, match="registered by two packages"):
        reg.get("dupe-fm")


def test_opted_in_override_replaces_the_builtin(plugin_site: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SFMBENCH_ALLOW_OVERRIDE", "autoar")
    reg = _methods()
    entry = reg.entry("autoar")
    assert entry.source == "sfmbench-shadow" and entry.replaces == "builtin"
    assert reg.get("autoar").defaults == {"marker": "shadow"}
    assert not [p for p in reg.problems() if p.name == "autoar"]


def test_shadowing_yaml_is_ignored_unless_opted_in(plugin_site: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from sfmbench.config import config_problems, yaml_files

    monkeypatch.delenv("SFMBENCH_ALLOW_OVERRIDE", raising=False)
    builtin = yaml_files("model")["last-value"]
    assert "shadow_conf" not in str(builtin)
    assert any("last-value" in what and "ignored" in why for what, why in config_problems())
    # the same through SFMBENCH_CONFIG_PATH
    user = plugin_site.parent / "userconf"
    (user / "model").mkdir(parents=True)
    (user / "model" / "dasha.yaml").write_text("method: dasha\nparams: {}\n")
    monkeypatch.setenv("SFMBENCH_CONFIG_PATH", str(user))
    assert yaml_files("model")["dasha"] != user / "model" / "dasha.yaml"
    monkeypatch.setenv("SFMBENCH_ALLOW_OVERRIDE", "last-value,dasha")
    files = yaml_files("model")
    assert "shadow_conf" in str(files["last-value"])
    assert files["dasha"] == user / "model" / "dasha.yaml"


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sfmbench.cli", *args], env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_cli_with_every_bad_plugin_installed(plugin_site: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugin_site),
                                                        os.environ.get("PYTHONPATH", "")]),
           "SFMBENCH_STORAGE": f"sqlite:///{tmp_path / 'r.db'}", "OMP_NUM_THREADS": "1"}
    env.pop("SFMBENCH_ALLOW_OVERRIDE", None)
    listed = _cli(["models", "list"], env)
    assert listed.returncode == 0, listed.stderr
    section = listed.stdout[listed.stdout.index("broken plugins"):]
    for needle in ("faulty-import", "xyz_not_installed", "dupe-fm", "sfmbench-shadow",
                   "last-value"):
        assert needle in section, needle
    show = _cli(["models", "show", "faulty-import"], env)
    assert show.returncode == 2 and "xyz_not_installed" in show.stderr
    run = _cli(["run", "task=generated/ts-seasonal-24", "model=last-value", "budget=smoke"], env)
    assert run.returncode == 0, run.stdout + run.stderr
    for args in (["tasks", "list", "generated/*"], ["suites", "list"], ["results"],
                 ["models", "show", "autoar"], ["leaderboard", "--out", str(tmp_path / "lb")],
                 ["sweep", "-q", "tasks=[generated/ts-seasonal-24]",
                  "models=[last-value,seasonal-naive]", "budget=smoke"]):
        done = _cli(args, env)
        assert done.returncode == 0 and "Traceback" not in done.stderr, (args, done.stderr)
    # opted in: `autoar` is the plugin's class, and the run uses it
    env["SFMBENCH_ALLOW_OVERRIDE"] = "autoar"
    ran = _cli(["run", "task=generated/ts-seasonal-24", "model=autoar", "budget=smoke"], env)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    from sfmbench.store import Store
    rows = [r for r in Store(env["SFMBENCH_STORAGE"]).rows() if r["model"] == "autoar"]
    assert rows[0]["status"] == "ok" and rows[0]["config"]["model"]["params"]["marker"] == "shadow"


def test_models_show_says_where_the_class_comes_from(capsys, monkeypatch):
    from sfmbench import METHODS
    from sfmbench.cli import main

    from .toy import MeanForecaster

    METHODS.register("toy-from-plugin", MeanForecaster, source="my-plugin-dist")
    try:
        assert main(["models", "show", "toy-from-plugin"]) == 0
        text = capsys.readouterr().out
        assert "plugin my-plugin-dist" in text
        assert main(["models", "show", "last-value", "--json"]) == 0
        assert '"class_from": "builtin"' in capsys.readouterr().out
    finally:
        METHODS.unregister("toy-from-plugin")

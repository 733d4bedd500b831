"""First contact: thread settings, a torch-free cold start, checks before anything is stored,
the end-of-run table, `results delete`, deterministic methods run once, natural task order."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sfmbench.cli import main
from sfmbench.errors import ConfigError
from sfmbench.sorting import natural_sorted
from sfmbench.store import Store
from sfmbench.threads import choose_threads, configure_threads, threads_from_env, usable_cores


# --- threads ------------------------------------------------------------------------------------
def test_thread_count_respects_the_environment(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setenv("SFMBENCH_THREADS", "3")
    assert choose_threads() == 3 and threads_from_env() == 3
    monkeypatch.delenv("SFMBENCH_THREADS")
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    assert choose_threads(workers=4) == 2
    monkeypatch.setenv("OMP_NUM_THREADS", "abc")
    with pytest.raises(ConfigError, match="OMP_NUM_THREADS"):
        choose_threads()


def test_cores_are_divided_among_workers(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("SFMBENCH_THREADS", raising=False)
    cores = usable_cores()
    assert choose_threads(1, measure_load=False) == cores
    assert choose_threads(cores, measure_load=False) == 1
    assert choose_threads(cores * 4, measure_load=False) == 1
    assert 1 <= choose_threads(1) <= cores                    # minus busy cores, at least one


def test_configure_threads_sets_torch(monkeypatch):
    import torch
    before = torch.get_num_threads()
    try:
        monkeypatch.setenv("SFMBENCH_THREADS", "1")
        assert configure_threads() == 1 and torch.get_num_threads() == 1
        monkeypatch.setenv("SFMBENCH_THREADS", "torch")        # leave torch's default alone
        assert configure_threads() == torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


# --- cold start ---------------------------------------------------------------------------------
@pytest.mark.parametrize("argv", [["--help"], ["tasks", "list"], ["results"], ["suites", "list"]])
def test_listing_commands_never_import_torch(argv, tmp_path):
    code = ("import sys\nfrom sfmbench.cli import main\n"
            f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('torch', 'torchmetrics', 'torchvision') if m in sys.modules]\n"
            "print('HEAVY', heavy)\n")
    env = {**os.environ, "SFMBENCH_RUN_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env=env, cwd=tmp_path)
    assert "HEAVY []" in done.stdout, done.stdout[-500:] + done.stderr[-2000:]


def test_the_run_path_does_not_import_torchmetrics():
    code = ("import sys\nimport sfmbench.runner, sfmbench.sweep\n"
            "print('TM', 'torchmetrics' in sys.modules, 'torchvision' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert "TM False False" in done.stdout, done.stderr[-2000:]


# --- checked before stored ----------------------------------------------------------------------
@pytest.mark.parametrize("argv, message", [
    (["task=ltsf/csv", "model=autoar"], "needs the parameter 'path'"),
    (["task=generated/ts-ar-24", "task.horizon=abc", "model=autoar"], "horizon"),
    (["task=generated/ts-ar-24", "model=kmer-logreg"], "does not support"),
])
def test_bad_jobs_exit_2_and_store_nothing(argv, message, tmp_path, capsys):
    db = tmp_path / "r.db"
    assert main(["run", "--storage", f"sqlite:///{db}", *argv]) == 2
    assert message in capsys.readouterr().err
    assert not db.exists() or Store(f"sqlite:///{db}").rows() == []


# --- end of run, failures, delete ---------------------------------------------------------------
@pytest.mark.usefixtures("toy_registry")
def test_sweep_ends_with_a_table_and_fails_loudly(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'r.db'}"
    ok = main(["sweep", "--storage", db, "--run-dir", str(tmp_path), "-q",
               "tasks=[toy/forecast]", "models=[toy-mean]", "seeds=[0,1]", "budget=smoke"])
    out = capsys.readouterr()
    assert ok == 0 and "stored by this run" in out.out
    assert out.out.count("toy/forecast") >= 2 and "rows: sqlite" in out.out
    bad = main(["sweep", "--storage", db, "--run-dir", str(tmp_path), "-q",
                "tasks=[toy/forecast]", "models=[toy-mean]", "seeds=[5]", "budget=smoke",
                "model.fail=true"])
    out = capsys.readouterr()
    assert bad == 1
    text = out.out + out.err
    assert text.count("boom: this toy method fails on purpose") == 1   # printed once


@pytest.mark.usefixtures("toy_registry")
def test_results_delete_lists_confirms_and_deletes(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'r.db'}"
    for seed in (0, 1):
        assert main(["run", "--storage", db, "-q", "task=toy/classes", "model=toy-centroid",
                     f"seed={seed}", "budget=smoke"]) == 0
    assert main(["results", "delete", "--storage", db, "--model", "toy-*", "--dry-run"]) == 0
    assert "would delete 2 rows" in capsys.readouterr().err
    assert len(Store(db).rows()) == 2
    assert main(["results", "delete", "--storage", db, "--task", "toy/classes", "--yes"]) == 0
    assert Store(db).rows() == []


# --- planning -----------------------------------------------------------------------------------
def test_deterministic_methods_run_once_per_task():
    from sfmbench.sweep import plan_sweep
    models = ["autoar", "dlinear", "last-value", "demo-fm"]
    plan = plan_sweep(tasks=["generated/ts-ar-24"], models=models, seeds=[0, 1, 2],
                      budget="smoke")
    per_model = {m: sum(j.model == m for j in plan.jobs) for m in models}
    assert per_model == {"autoar": 1, "dlinear": 1, "last-value": 1, "demo-fm": 3}
    assert all(j.seed == 0 for j in plan.jobs if j.model != "demo-fm")


def test_tasks_sort_naturally(capsys):
    assert natural_sorted(["ltsf/ETTh1-192", "ltsf/ETTh1-96", "ltsf/ETTh1-720"]) == \
        ["ltsf/ETTh1-96", "ltsf/ETTh1-192", "ltsf/ETTh1-720"]
    assert main(["tasks", "list", "ltsf/ETTh1-*"]) == 0
    text = capsys.readouterr().out
    assert text.index("ETTh1-96") < text.index("ETTh1-192") < text.index("ETTh1-720")


def test_models_list_shows_kind_tuned_and_installed(capsys):
    assert main(["models", "list", "auto*"]) == 0
    text = capsys.readouterr().out
    assert "installed" in text and "tuned" in text and "autoar" in text


# --- progress that tells the truth --------------------------------------------------------------
def test_stages_nest_trials_around_epochs():
    from sfmbench.monitor import report_stage, stage_context, stage_listener
    seen: list[str] = []
    report_stage("nobody listens")                              # silent, no error
    with stage_listener(seen.append):
        with stage_context("tune trial", 2, 8):
            report_stage("epoch", 1, 4)
        report_stage("retrain epoch", 3, 10)
    assert seen == ["tune trial 2/8", "tune trial 2/8 · epoch 1/4", "retrain epoch 3/10"]


def test_eta_counts_the_job_in_flight_from_the_same_model():
    from sfmbench.config import make_job
    from sfmbench.sweep import JobTimes, fmt_eta
    jobs = [make_job("generated/ts-ar-24", m, s, "smoke")
            for m, s in (("dlinear", 0), ("demo-fm", 0), ("demo-fm", 1))]
    times = JobTimes({"dlinear": [10.0], "demo-fm": [60.0, 80.0]})
    assert times.remaining(jobs, elapsed=4.0) == (6.0 + 70.0 + 70.0, [])
    assert times.remaining(jobs, elapsed=25.0) == (0.0 + 140.0, [])  # overdue: not negative
    assert fmt_eta(times.remaining(jobs, 4.0)) == "ETA 2:26"
    unknown = JobTimes({"dlinear": [10.0]}).remaining(jobs, 0.0)
    assert unknown == (10.0, ["demo-fm"]) and fmt_eta(unknown) == "ETA ≥ 0:10 (+demo-fm)"


def _suite(tmp_path, monkeypatch, body: str) -> None:
    (tmp_path / "suite").mkdir(exist_ok=True)
    (tmp_path / "suite" / "mini.yaml").write_text(body)
    monkeypatch.setenv("SFMBENCH_CONFIG_PATH", str(tmp_path))


def test_suite_scopes_models_to_tasks_and_seeds_and_adds_optional_ones(tmp_path, monkeypatch):
    import sfmbench.sweep as sweep_mod
    _suite(tmp_path, monkeypatch,
           "tasks: [generated/ts-ar-24, generated/ts-seasonal-24]\n"
           "models: [autoar]\noptional_models: [demo-fm, dlinear]\nseeds: [0, 1, 2]\n"
           "model_tasks: {demo-fm: [generated/ts-ar-*]}\nmodel_seeds: {demo-fm: [5]}\n")
    # dlinear stands in for a model whose extra is missing here
    monkeypatch.setattr(sweep_mod, "missing_extra",
                        lambda method: "crossmodal" if method == "dlinear" else None)
    plan = sweep_mod.plan_sweep("mini", budget="smoke")
    assert sorted((j.task, j.model, j.seed) for j in plan.jobs) == [
        ("generated/ts-ar-24", "autoar", 0), ("generated/ts-ar-24", "demo-fm", 5),
        ("generated/ts-seasonal-24", "autoar", 0)]
    assert ("*", "dlinear", "optional, needs pip install 'sfmbench[crossmodal]'") in plan.skipped
    # an explicit models=[..] replaces the suite's models and its optional ones
    assert {j.model for j in sweep_mod.plan_sweep("mini", models=["autoar"]).jobs} == {"autoar"}


def test_suite_with_bad_model_seeds_is_refused(tmp_path, monkeypatch):
    from sfmbench.sweep import plan_sweep
    _suite(tmp_path, monkeypatch, "tasks: [generated/ts-ar-24]\nmodels: [demo-fm]\n"
                                  "model_seeds: {demo-fm: [zero]}\n")
    with pytest.raises(ConfigError, match=r"model_seeds.demo-fm must be integers"):
        plan_sweep("mini")


def test_extras_come_from_the_method_class():
    from sfmbench.extras import method_extra
    from sfmbench.runner import failure_reason
    assert method_extra("orca") == "crossmodal" and method_extra("dnabert2") == "genomics"
    assert method_extra("autoar") is None and method_extra("no-such-method") is None
    exc = ModuleNotFoundError("No module named 'geomloss'", name="geomloss")
    assert "pip install 'sfmbench[crossmodal]'" in failure_reason(exc, "crossmodal")
    assert "sfmbench[all]" in failure_reason(exc)


def test_an_extra_given_at_registration_names_a_module_that_cannot_import():
    from sfmbench.catalog import METHODS
    from sfmbench.extras import method_extra
    METHODS.register("broken-fm", "no_such_package.adapter:FM", extra="genomics")
    try:
        assert method_extra("broken-fm") == "genomics"
    finally:
        METHODS.unregister("broken-fm")


def test_demo_suite_has_every_domain_and_a_foundation_model_on_each_fm_task():
    from sfmbench.catalog import TASKS
    from sfmbench.extras import missing_extra
    from sfmbench.sweep import plan_sweep
    plan = plan_sweep("demo")
    modalities = {TASKS.metadata(j.task).get("modality") for j in plan.jobs}
    assert {"satellite", "genomics", "timeseries"} <= modalities, modalities
    fms = {(j.task, j.model) for j in plan.jobs if j.model in ("demo-fm", "orca-minilm-demo")}
    assert {t for t, _ in fms} >= {"generated/ts-ar-24"}
    real_fm = [j for j in plan.jobs if j.model == "orca-minilm-demo"]
    if missing_extra("orca") is None:   # the real pretrained body is installed: one seed, DNA
        assert [(j.task, j.seed) for j in real_fm] == [("generated/dna-motif-easy", 0)]
    else:
        assert not real_fm


def test_sweep_prints_the_install_command_of_a_skipped_optional_model(tmp_path, monkeypatch,
                                                                       capsys):
    import sfmbench.sweep as sweep_mod
    _suite(tmp_path, monkeypatch, "tasks: [generated/ts-ar-24]\nmodels: [autoar]\n"
                                  "optional_models: [dlinear]\n")
    monkeypatch.setattr(sweep_mod, "missing_extra", lambda method: "crossmodal")
    assert main(["sweep", "--run-dir", str(tmp_path / "runs"), "suite=mini", "dry_run=true"]) == 0
    assert "pip install 'sfmbench[crossmodal]'" in capsys.readouterr().err

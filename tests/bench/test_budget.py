"""Typed count budgets: the YAMLs, their resolution into method params, equal tuning of FMs and
DASHA, `models show`, and old stores that predate the new row fields."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from sfmbench import METHODS
from sfmbench.budget import Budget, COUNT_FIELDS, Guard, load_budget, resolved_counts
from sfmbench.cli import main
from sfmbench.config import budget_names, make_job, model_config, yaml_files
from sfmbench.errors import ConfigError
from sfmbench.fms.dna.adapter import DNAFoundationModel
from sfmbench.results import ResultRow
from sfmbench.store import Store

#: the counts an FM must share with DASHA, the tuned genomics baseline
SHARED = ("trials", "min_epochs", "reduction_factor", "max_epochs", "train_samples")


def test_budget_files_are_typed_counts_and_paper_is_the_published_schedule():
    assert set(budget_names()) >= {"smoke", "cpu", "paper"}
    for name in ("smoke", "cpu", "paper"):
        budget = load_budget(name)
        assert isinstance(budget, Budget) and budget.name == name
        assert all(isinstance(budget.counts()[k], (int, type(None))) for k in COUNT_FIELDS)
    paper = load_budget("paper")
    assert (paper.trials, paper.max_epochs, paper.retrain_epochs, paper.search_epochs) == \
        (120, 20, 200, 100)
    assert paper.rungs() == [1, 2, 4, 8, 16, 20]       # ASHA grace 1, eta 2, max_t 20
    assert paper.train_samples is None
    smoke, cpu = load_budget("smoke"), load_budget("cpu")
    assert smoke.trials <= cpu.trials <= paper.trials
    assert smoke.max_epochs <= cpu.max_epochs <= paper.max_epochs


@pytest.mark.parametrize("bad", [{"trials": 0}, {"max_epochs": 1.5}, {"train_samples": -3},
                                 {"min_epochs": 5, "max_epochs": 2}, {"max_seconds": 60}])
def test_invalid_budgets_are_clear_errors(bad):
    data = {"trials": 2, "max_epochs": 2, "retrain_epochs": 2, **bad}
    with pytest.raises(ConfigError, match="budget 'x'"):
        Budget.from_mapping(data, "x")


def test_counts_reach_the_job_params_and_its_key():
    cpu = make_job("generated/dna-motif-tiny", "dasha", budget="cpu")
    smoke = make_job("generated/dna-motif-tiny", "dasha", budget="smoke")
    budget = load_budget("cpu")
    assert cpu.model_params["n_trials"] == budget.trials
    assert cpu.model_params["hpo_epochs"] == budget.max_epochs
    assert cpu.model_params["retrain_epochs"] == budget.retrain_epochs
    assert cpu.model_params["hpo_subsample"] == budget.train_samples
    assert "hpo_time_limit" not in cpu.model_params and "retrain_time_limit" not in \
        cpu.model_params                                # seconds never size the work
    assert cpu.key != smoke.key
    refined = make_job("generated/dna-motif-tiny", "dasha", budget="cpu",
                       model_overrides={"n_trials": 3})
    assert refined.model_params["n_trials"] == 3 and refined.key != cpu.key


def _shown(name: str, capsys) -> dict:
    assert main(["models", "show", name, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_models_show_prints_equal_counts_for_dnabert2_and_dasha(capsys):
    dasha, dnabert2 = _shown("dasha", capsys), _shown("dnabert2", capsys)
    for budget in ("smoke", "cpu", "paper"):
        want = load_budget(budget).counts()
        for shown in (dasha, dnabert2):
            assert {k: shown["counts"][budget][k] for k in SHARED} == \
                {k: want[k] for k in SHARED}, (shown["name"], budget)
    assert dasha["counts"]["paper"]["retrain_epochs"] == 200
    assert main(["models", "show", "dnabert2"]) == 0               # the readable summary
    text = " ".join(capsys.readouterr().out.split())
    assert "work per budget" in text and "trials=120" in text


def _dna_models() -> list[str]:
    names = []
    for name in yaml_files("model"):
        cls = METHODS.get(model_config(name).method)
        if issubclass(cls, DNAFoundationModel):
            names.append(name)
    return sorted(names)


def test_every_dna_fm_fine_tunes_by_default_with_dashas_counts():
    names = _dna_models()
    assert len(names) >= 10
    dasha_cls = METHODS.get("dasha")
    for budget in ("smoke", "cpu", "paper"):
        base = resolved_counts(dasha_cls, model_config("dasha").resolved_params(budget))
        for name in names:
            cfg = model_config(name)
            params = cfg.resolved_params(budget)
            assert params["recipe"] in ("full", "lora"), (name, budget)
            counts = resolved_counts(METHODS.get(cfg.method), params)
            assert {k: counts[k] for k in SHARED} == {k: base[k] for k in SHARED}, name
            assert params["first_trial"].get("learning_rate"), name   # a published recipe
    assert model_config("nt-2.5b-multi-species").resolved_params("paper")["recipe"] == "lora"
    assert model_config("dnabert2").resolved_params("paper")["recipe"] == "full"


def test_the_recipe_is_part_of_the_job_key():
    full = make_job("generated/dna-motif-tiny", "dnabert2", budget="smoke")
    frozen = make_job("generated/dna-motif-tiny", "dnabert2", budget="smoke",
                      model_overrides={"recipe": "frozen"})
    assert full.model_params["recipe"] == "full" and full.key != frozen.key


def test_guard_counts_down_and_records_a_trip():
    assert Guard(None).remaining() is None
    guard = Guard(100.0)
    assert 99.0 < guard.remaining() <= 100.0 and not guard.tripped
    guard.trip()
    assert guard.tripped


def test_a_store_written_before_the_new_fields_still_opens(tmp_path):
    """An old results table (no recipe/train_samples/truncated) gains the columns."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    new = {"recipe", "train_samples", "truncated"}
    engine = sa.create_engine(url)
    old_cols = [f for f in ResultRow.field_names() if f not in new]
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE sfmbench_results (id INTEGER PRIMARY KEY, "
                             + ", ".join(f"{c} TEXT" for c in old_cols) + ")"))
        conn.execute(sa.text("INSERT INTO sfmbench_results (job_key, task, model, kind, seed, "
                             "status) VALUES ('old', 't', 'm', 'baseline', '0', 'ok')"))
    engine.dispose()
    store = Store(url)
    store.add(ResultRow(job_key="new", task="t", model="m", kind="fm", seed=0, recipe="lora",
                        train_samples=10, truncated=True))
    rows = {r["job_key"]: r for r in store.rows()}
    assert rows["old"]["recipe"] is None and not rows["old"]["truncated"]
    assert (rows["new"]["recipe"], rows["new"]["train_samples"], rows["new"]["truncated"]) == \
        ("lora", 10, True)

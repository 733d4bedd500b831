"""Satellite task names, specs and suites: listed, shown and planned without any data."""
from __future__ import annotations

import json

import pytest

from sfmbench.catalog import TASKS, create_task, task_names
from sfmbench.cli import main
from sfmbench.sweep import plan_sweep


def test_tasks_list_satellite(capsys) -> None:
    assert main(["tasks", "list", "satellite/*"]) == 0
    out = capsys.readouterr().out
    for name in ("satellite/m-eurosat", "satellite/m-SA-crop-type", "satellite/bigearthnet-19",
                 "satellite/bigearthnet-43", "satellite/eurosat-ms"):
        assert name in out


@pytest.mark.parametrize("name", [n for n in TASKS.list("satellite/*")
                                  if not n.startswith("satellite/presto")])
def test_every_satellite_task_shows_its_spec(name: str) -> None:
    spec = create_task(name).spec
    assert spec.domain == "satellite" and len(spec.input_shape) == 3
    assert spec.source and spec.license and spec.splits and spec.citation
    assert spec.primary_metric in spec.metrics
    assert json.dumps(spec.to_dict())   # serializable, as `tasks show` prints it


def test_tasks_show_prints_spec_splits_source_license(capsys) -> None:
    assert main(["tasks", "show", "satellite/bigearthnet-43", "--json"]) == 0
    out = capsys.readouterr().out
    for key in ('"splits"', '"source"', '"license"', "CDLA-Permissive-1.0", "map_micro"):
        assert key in out


@pytest.mark.parametrize("suite,n_tasks", [("geobench-classification", 6),
                                           ("geobench-segmentation", 6), ("bigearthnet", 2)])
def test_satellite_suites_name_registered_tasks(suite: str, n_tasks: int) -> None:
    from sfmbench.config import group_entry

    tasks = group_entry("suite", suite)["tasks"]
    assert len(tasks) == n_tasks and all(task_names(t) for t in tasks)
    plan = plan_sweep(suite)   # every (task, model) pair is planned or skipped with a reason
    assert len(plan.jobs) + len(plan.skipped) > 0

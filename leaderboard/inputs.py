"""Validate and normalize stored result rows (one per job) before aggregation."""
from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd

from sfmbench.errors import DataError, SfmbenchError
from sfmbench.results import STATUS_OK

#: Columns every result frame must carry (all are fields of ``sfmbench.results.ResultRow``).
REQUIRED_COLUMNS = ("task", "model", "kind", "seed", "status", "primary_value")

#: Optional ResultRow columns and the value used when a frame lacks them.
OPTIONAL_DEFAULTS: dict[str, Any] = {
    "domain": "",
    "tuned": False,
    "primary_metric": "",
    "higher_is_better": True,
    "total_seconds": math.nan,
    "best_val_metric": math.nan,
    "device": "cpu",
    "params_total": None,
    "params_trainable": None,
    "pretraining_data": None,
    "config_hash": "",
    "budget": "",
    "job_key": "",
    "predictions_path": None,
    "config": None,
    "truncated": False,
    "recipe": None,
    "n_trials": None,
    "epochs": None,
    "train_samples": None,
}

NO_RESULTS_HINT = ("run some jobs first, e.g. `sfmbench run task=<task> model=<model>` or "
                   "`sfmbench sweep suite=<suite>`, then build the leaderboard from the same "
                   "storage")

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", "", "none", "nan"}


def _as_bool(value: Any, default: bool) -> bool:
    """Booleans as stored by SQL (0/1), CSV ("True") or Python; missing -> ``default``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return default
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer, float, np.floating)):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise DataError(f"cannot read {value!r} as a boolean",
                    hint="store booleans as True/False (or 1/0)")


def prepare_rows(rows: pd.DataFrame, include_truncated: bool = False) -> pd.DataFrame:
    """A normalized, canonically sorted copy of ``rows`` with a boolean ``usable`` column
    (status ok, a finite primary value and, unless ``include_truncated``, not ``truncated``:
    a row whose work a runaway guard cut short did not get its budget, so it stays out of the
    statistics). An FM stored with several recipes becomes one model per recipe
    (``name[recipe]``): the recipe is part of a row's identity.

    Raises SfmbenchError when no row is usable and DataError on malformed frames: missing
    columns, one task stored with two primary metrics, or two successful rows for the same
    (task, model, seed) (e.g. two budgets mixed in one store).
    """
    if not isinstance(rows, pd.DataFrame):
        raise DataError(f"expected a pandas DataFrame of result rows, got {type(rows).__name__}",
                        hint="load the rows from the result store as a DataFrame first")
    rows = with_model_column(rows)
    missing = [c for c in REQUIRED_COLUMNS if c not in rows.columns]
    if missing and not rows.empty:
        raise DataError(f"result rows lack the column(s) {', '.join(missing)}",
                        hint="pass rows with the fields of sfmbench.results.ResultRow")
    if rows.empty:
        raise SfmbenchError("there are no successful results to build a leaderboard from",
                            hint=NO_RESULTS_HINT)
    frame = rows.copy().reset_index(drop=True)
    for column, default in OPTIONAL_DEFAULTS.items():
        if column not in frame.columns:
            frame[column] = default
    for column in ("task", "model", "kind", "status", "domain", "primary_metric", "device",
                   "config_hash", "budget"):
        frame[column] = frame[column].fillna("").astype(str)
    frame["tuned"] = [_as_bool(v, False) for v in frame["tuned"]]
    frame["higher_is_better"] = [_as_bool(v, True) for v in frame["higher_is_better"]]
    frame["primary_value"] = pd.to_numeric(frame["primary_value"], errors="coerce")
    frame["total_seconds"] = pd.to_numeric(frame["total_seconds"], errors="coerce")
    frame["truncated"] = [_as_bool(v, False) for v in frame["truncated"]]
    frame["usable"] = (frame["status"] == STATUS_OK) & np.isfinite(frame["primary_value"]) \
        & (include_truncated | ~frame["truncated"])
    frame["model"] = _model_with_recipe(frame)
    frame["task_params"] = [task_params(c) for c in frame["config"]]
    # Canonical order, so results (bootstrap draws, float sums) do not depend on row order.
    frame = frame.sort_values(["task", "model", "seed", "config_hash", "status"],
                              kind="mergesort").reset_index(drop=True)
    usable = frame[frame["usable"]]
    if usable.empty:
        raise SfmbenchError(
            f"there are no successful results to build a leaderboard from "
            f"({len(frame)} stored row(s), none with status 'ok' and a finite primary metric)",
            hint=NO_RESULTS_HINT)
    _check_one_metric_per_task(usable)
    check_comparable(usable)
    _check_no_duplicate_seeds(usable)
    return frame


def with_model_column(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with the model name in ``model``: rows exported before the rename (sfmbench
    0.1.0, a CSV of `sfmbench results`) carry it in ``method`` and have no ``model`` column."""
    if "model" in rows.columns or "method" not in rows.columns:
        return rows
    return rows.rename(columns={"method": "model"})


def _model_with_recipe(frame: pd.DataFrame) -> pd.Series:
    """``name[recipe]`` for the rows of a model stored with more than one recipe."""
    recipe = frame["recipe"].map(lambda r: "" if r is None or pd.isna(r) else str(r))
    several = recipe.groupby(frame["model"]).transform("nunique") > 1
    return frame["model"].where(~several | (recipe == ""),
                                frame["model"] + "[" + recipe + "]")


def task_params(config: Any) -> str:
    """The task parameters of a stored job config (lookback, horizon, splits, files...) as
    canonical JSON; ``{}`` when the row carries no config."""
    if config is None or (isinstance(config, float) and math.isnan(config)):
        return "{}"
    if isinstance(config, str):
        try:
            config = json.loads(config) if config.strip() else {}
        except json.JSONDecodeError as exc:
            raise DataError(f"cannot read a stored job config as JSON: {exc}",
                            hint="load the rows with `Store.frame()`") from exc
    params = (config.get("task") or {}).get("params") or {} if isinstance(config, dict) else {}
    return json.dumps(params, sort_keys=True, default=str)


def check_comparable(usable: pd.DataFrame) -> None:
    """Every successful row of a task must share its task parameters and its budget; otherwise
    a DataError names the rows that disagree (rows of different settings are not comparable)."""
    offending = []
    for task, group in usable.groupby("task", sort=True):
        variants = group.groupby(["task_params", "budget"], sort=True)
        if variants.ngroups < 2:
            continue
        for (params, budget), rows in variants:
            names = ", ".join(f"{m} seed {s}" for m, s in zip(rows["model"], rows["seed"]))
            offending.append(f"{task} [budget={budget or '?'} task params={params}]: {names}")
    if offending:
        raise DataError(
            "the leaderboard compares rows only when their task parameters (lookback, horizon, "
            "splits, ...) and budget agree; these rows of one task disagree:\n  "
            + "\n  ".join(offending),
            hint="build the leaderboard for one budget (`sfmbench leaderboard --budget NAME`), "
                 "or filter the rows to one task setting (e.g. `--task`)")


def _check_one_metric_per_task(usable: pd.DataFrame) -> None:
    metrics = usable.groupby("task")[["primary_metric", "higher_is_better"]].nunique()
    bad = metrics[(metrics > 1).any(axis=1)].index.tolist()
    if bad:
        raise DataError(f"task(s) {', '.join(map(str, bad))} were stored with more than one "
                        "primary metric or direction",
                        hint="build the leaderboard from rows of one task version only "
                             "(filter the rows by task config before aggregating)")


def _check_no_duplicate_seeds(usable: pd.DataFrame) -> None:
    keys = ["task", "model", "seed"]
    dup = usable[usable.duplicated(keys, keep=False)]
    if dup.empty:
        return
    first = dup.sort_values(keys).iloc[0]
    budgets = sorted(set(dup["budget"]) - {""})
    raise DataError(
        f"{dup.groupby(keys).ngroups} (task, model, seed) combination(s) have several "
        f"successful results with different configs, e.g. task={first['task']!r} "
        f"model={first['model']!r} seed={first['seed']!r}"
        + (f" (budgets: {', '.join(budgets)})" if budgets else ""),
        hint="select one budget/config per model before aggregating (e.g. rows with one "
             "`budget` value), or give the variant its own model name")

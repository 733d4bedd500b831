"""The typed lazy registry."""
from __future__ import annotations

import pytest

from sfmbench import METHODS, TASKS, Method
from sfmbench.errors import PluginError, UnknownNameError
from sfmbench.registry import Registry


def test_lazy_import_and_wildcards() -> None:
    reg: Registry = Registry("thing", groups=())
    reg.register("a/one", "json:dumps")
    reg.register("a/two", "json:loads")
    reg.register("b/one", len)
    assert reg.list("a/*") == ["a/one", "a/two"]
    assert reg.list("*/one,b/*") == ["a/one", "b/one"]
    assert reg.list("A/O*") == ["a/one"]  # case-insensitive
    import json
    assert reg.get("a/one") is json.dumps and reg.get("b/one") is len


def test_duplicates_and_bad_targets_are_clear() -> None:
    reg: Registry = Registry("thing", groups=())
    reg.register("x", len)
    reg.register("x", len)  # the same object again is fine
    with pytest.raises(PluginError, match="registered twice"):
        reg.register("x", max, source="some-plugin")
    reg.register("y", "no_such_module_xyz:Thing")
    with pytest.raises(PluginError, match="cannot import"):
        reg.get("y")
    with pytest.raises(UnknownNameError) as err:
        reg.get("xx")
    assert err.value.close_matches == ["x"]


def test_base_class_is_enforced() -> None:
    reg: Registry = Registry("model", groups=(), base=Method)
    reg.register("not-a-method", dict)
    with pytest.raises(PluginError, match="not a subclass of Method"):
        reg.get("not-a-method")


def test_builtins_arrive_through_entry_points() -> None:
    assert {"autoar", "dlinear", "last-value", "seasonal-naive", "dasha", "kmer-logreg",
            "chronos", "timesfm"} <= set(METHODS.list())
    assert "ltsf/ETTh1-96" in TASKS and "gue/prom_core_all" in TASKS
    assert len(TASKS.list("ltsf/ETT*")) == 16
    assert all(TASKS.entry(n).source == "builtin" for n in TASKS.list("ltsf/*"))

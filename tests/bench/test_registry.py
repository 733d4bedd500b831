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


def test_builtin_method_classes_load_and_name_their_extra_without_the_extra_installed():
    """Metadata lives on the class, so a class must import where its extra is missing: the
    listing and the `pip install 'sfmbench[extra]'` hint read ``cls.extra`` from it."""
    import subprocess
    import sys
    code = """
import importlib.abc, sys
OPTIONAL = {"transformers", "timm", "torchgeo", "chronos", "timesfm", "peft", "geomloss",
            "segmentation_models_pytorch", "h5py", "datasets", "rasterio", "tokenizers",
            "huggingface_hub", "torchvision", "submitit", "psycopg", "matplotlib"}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in OPTIONAL:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Block())
from sfmbench.catalog import METHODS
from sfmbench.extras import method_extra
for name in METHODS.list():
    cls = METHODS.get(name)
    print(name, cls.kind, cls.extra, method_extra(name), bool(cls.summary()))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = {line.split()[0]: line.split()[1:] for line in proc.stdout.splitlines()}
    assert rows["orca"] == ["fm", "crossmodal", "crossmodal", "True"]
    assert rows["geofm"][1:3] == ["satellite", "satellite"]
    assert rows["dnabert2"][1] == "genomics" and rows["chronos"][1] == "timeseries"
    assert rows["dasha"] == ["baseline", "None", "None", "True"]
    assert all(r[-1] == "True" for r in rows.values())   # every method describes itself

"""The restricted unpickler for GEO-Bench metadata: plain data in, code execution refused."""
from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from sfmbench.errors import DataError
from sfmbench.tasks.satellite.safe_pickle import (Record, UnsafePickleError, load_attr_pickle,
                                                  safe_loads)


class _Exploit:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # what a malicious sample would carry
        return (os.system, (f"touch {self.marker}",))


def test_refuses_code_execution_and_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"bands_order": [], "label": _Exploit(marker)})
    with pytest.raises(UnsafePickleError, match="refusing to unpickle (posix|os|nt).system"):
        safe_loads(payload)
    assert not marker.exists()
    # the same payload in GEO-Bench's attribute encoding
    with pytest.raises(DataError, match="refusing"):
        load_attr_pickle(str(payload))
    assert not marker.exists()


@pytest.mark.parametrize("obj", [eval, getattr, pickle.loads])
def test_refuses_builtin_callables(obj: object) -> None:
    with pytest.raises(UnsafePickleError):
        safe_loads(pickle.dumps(obj))


def test_refuses_object_arrays() -> None:
    with pytest.raises(UnsafePickleError, match="object"):
        safe_loads(pickle.dumps(np.array([{"a": 1}], dtype=object)))


def test_admits_plain_data() -> None:
    import datetime

    data = {"label": np.int64(3), "multi": np.arange(5, dtype=np.int16),
            "date": datetime.date(2018, 6, 1), "tags": {"x", "y"}, "t": (1.5, None)}
    out = safe_loads(pickle.dumps(data))
    assert out["label"] == 3 and out["multi"].dtype == np.int16
    assert out["date"] == datetime.date(2018, 6, 1) and out["tags"] == {"x", "y"}


def test_geobench_classes_become_inert_records() -> None:
    from tests.tasks.satellite.make_geobench_fixtures import geobench_modules

    with geobench_modules() as classes:
        band = classes["geobench.dataset"]["Sentinel2"](name="02 - Blue", wavelength=0.49)
        raw = pickle.dumps({"band_info": band})
    out = safe_loads(raw)["band_info"]
    assert isinstance(out, Record) and out.qualname == "geobench.dataset.Sentinel2"
    assert out.name == "02 - Blue" and out.wavelength == 0.49


def test_attribute_must_be_a_bytes_literal() -> None:
    with pytest.raises(DataError, match="bytes literal"):
        load_attr_pickle("__import__('os').system('true')")

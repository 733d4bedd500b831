"""Restricted unpickling of GEO-Bench's per-sample metadata (``attrs["pickle"]`` of each HDF5).

GEO-Bench stores band metadata and labels as a pickle. Unpickling runs arbitrary code, so a
sample file from an untrusted source could take over the interpreter. :func:`safe_loads` admits
only plain data: builtin containers and scalars, ``datetime`` values, numpy arrays, dtypes and
scalars of non-object dtypes, and the record classes GEO-Bench writes (band infos, label types,
``affine.Affine``, ``rasterio.crs.CRS``), which are rebuilt as inert :class:`Record` objects
(their attributes only; no code of theirs runs, and geobench need not be installed). Anything
else (``os.system``, ``builtins.eval``, ``subprocess.Popen``...) is refused with a
:class:`~sfmbench.errors.DataError`.
"""
from __future__ import annotations

import ast
import datetime
import io
import pickle
from typing import Any

import numpy as np

from sfmbench.errors import DataError

#: modules GEO-Bench's classes have been pickled under (``ccb`` and ``geobench.io``: old names)
GEOBENCH_MODULES = frozenset({
    "geobench", "geobench.dataset", "geobench.label", "geobench.task", "geobench.io",
    "geobench.io.dataset", "geobench.io.label", "geobench.io.task", "ccb", "ccb.io",
    "ccb.io.dataset", "ccb.io.label", "ccb.io.task"})
#: other classes found in band metadata, rebuilt as records of their pickled state
RECORD_CLASSES = frozenset({("affine", "Affine"), ("rasterio.crs", "CRS"),
                            ("rasterio._crs", "_CRS")})
_DATETIME = {name: getattr(datetime, name)
             for name in ("date", "datetime", "time", "timedelta", "timezone")}
_BUILTINS = {"set": set, "frozenset": frozenset, "complex": complex, "bytearray": bytearray,
             "slice": slice, "range": range}


class UnsafePickleError(DataError):
    """A pickle names a global outside the allowlist."""


class Record:
    """Inert stand-in for a pickled class instance: keeps the class name and the state only."""

    qualname: str = "Record"

    def __new__(cls, *args: Any, **kwargs: Any) -> "Record":
        obj = object.__new__(cls)
        if args:
            obj.__dict__["args"] = list(args)
        return obj

    def __setstate__(self, state: Any) -> None:
        if isinstance(state, tuple) and len(state) == 2:   # (dict, slots) form
            state = {**(state[0] or {}), **(state[1] or {})}
        if isinstance(state, dict):
            self.__dict__.update({str(k): v for k, v in state.items()})
        else:
            self.__dict__["state"] = state

    def to_dict(self) -> dict[str, Any]:
        return {"__class__": self.qualname, **self.__dict__}

    def __repr__(self) -> str:
        return f"Record({self.qualname}, {self.__dict__})"


_RECORD_TYPES: dict[tuple[str, str], type[Record]] = {}


def _record_type(module: str, name: str) -> type[Record]:
    key = (module, name)
    if key not in _RECORD_TYPES:
        _RECORD_TYPES[key] = type(name, (Record,), {"qualname": f"{module}.{name}"})
    return _RECORD_TYPES[key]


def _reconstructor(cls: Any, base: Any, state: Any) -> Any:
    """``copyreg._reconstructor`` (protocols 0 and 1), for record classes only."""
    if not (isinstance(cls, type) and issubclass(cls, Record)) or base is not object:
        raise UnsafePickleError(f"refusing copyreg._reconstructor({cls!r}, {base!r})",
                                "only GEO-Bench record classes may be rebuilt")
    return cls.__new__(cls)


def _numpy_multiarray() -> Any:
    try:
        from numpy._core import multiarray
    except ImportError:  # numpy < 2
        from numpy.core import multiarray  # type: ignore[no-redef]
    return multiarray


def _no_object(dtype: Any) -> np.dtype:
    dt = np.dtype(dtype)
    if dt.hasobject:
        raise UnsafePickleError("object dtypes are not allowed in sample metadata",
                                "numpy would unpickle object values without restriction")
    return dt


def _dtype(*args: Any, **kwargs: Any) -> np.dtype:
    return _no_object(np.dtype(*args, **kwargs))


def _scalar(dtype: Any, data: Any = None) -> Any:
    _no_object(dtype)
    return _numpy_multiarray().scalar(dtype, data) if data is not None else \
        _numpy_multiarray().scalar(dtype)


def _reconstruct(subtype: Any, shape: Any, dtype: Any) -> np.ndarray:
    if subtype is not np.ndarray:
        raise UnsafePickleError(f"ndarray subclass {subtype!r} is not allowed",
                                "only plain numpy arrays may appear in sample metadata")
    return _numpy_multiarray()._reconstruct(subtype, shape, dtype)


def _frombuffer(buf: Any, dtype: Any, shape: Any, order: Any) -> np.ndarray:
    return np.frombuffer(buf, dtype=_no_object(dtype)).reshape(shape, order=order)


_NUMPY: dict[tuple[str, str], Any] = {("numpy", "dtype"): _dtype, ("numpy", "ndarray"): np.ndarray}
for _m in ("numpy.core.multiarray", "numpy._core.multiarray"):
    _NUMPY[(_m, "scalar")] = _scalar
    _NUMPY[(_m, "_reconstruct")] = _reconstruct
for _m in ("numpy.core.numeric", "numpy._core.numeric"):
    _NUMPY[(_m, "_frombuffer")] = _frombuffer


class SafeUnpickler(pickle.Unpickler):
    """An unpickler that resolves only the allowlisted globals described in the module doc."""

    def find_class(self, module: str, name: str) -> Any:
        key = (module, name)
        if key in _NUMPY:
            return _NUMPY[key]
        if module == "datetime" and name in _DATETIME:
            return _DATETIME[name]
        if module in ("builtins", "__builtin__") and name in _BUILTINS:
            return _BUILTINS[name]
        if key == ("collections", "OrderedDict"):
            from collections import OrderedDict
            return OrderedDict
        if key == ("copyreg", "_reconstructor"):
            return _reconstructor
        if (module in GEOBENCH_MODULES and name.isidentifier()) or key in RECORD_CLASSES:
            return _record_type(module, name)
        raise UnsafePickleError(
            f"refusing to unpickle {module}.{name}: not part of GEO-Bench's metadata format",
            "this file was not written by GEO-Bench and may be malicious; delete it and "
            "download the dataset again from its canonical source")


def safe_loads(data: bytes) -> Any:
    """Unpickle ``data`` with :class:`SafeUnpickler`."""
    try:
        return SafeUnpickler(io.BytesIO(data)).load()
    except UnsafePickleError:
        raise
    except Exception as exc:  # truncated or malformed pickles
        raise DataError(f"malformed metadata pickle: {exc}",
                        "the file is corrupt: delete it and download the dataset again") from exc


def load_attr_pickle(value: Any) -> Any:
    """GEO-Bench's ``attrs["pickle"]``: ``str(pickle.dumps(obj))``, i.e. a bytes literal."""
    if isinstance(value, (bytes, np.bytes_)):
        value = bytes(value).decode("latin-1")
    if not isinstance(value, str):
        raise DataError(f"metadata attribute has type {type(value).__name__}, expected str",
                        "the file is not a GEO-Bench sample")
    try:
        raw = ast.literal_eval(value)   # a literal only: evaluates no code
    except (ValueError, SyntaxError) as exc:
        raise DataError("metadata attribute is not a bytes literal",
                        "the file is not a GEO-Bench sample") from exc
    if not isinstance(raw, bytes):
        raise DataError("metadata attribute does not hold bytes",
                        "the file is not a GEO-Bench sample")
    return safe_loads(raw)


def plain(obj: Any) -> Any:
    """``obj`` with every :class:`Record` turned into a dict (for JSON-like inspection)."""
    if isinstance(obj, Record):
        return {k: plain(v) for k, v in obj.to_dict().items()}
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(plain(v) for v in obj) if not hasattr(obj, "_fields") else obj
    return obj


__all__ = ["Record", "SafeUnpickler", "UnsafePickleError", "load_attr_pickle", "plain",
           "safe_loads"]

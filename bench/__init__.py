"""sfmbench: do specialized foundation models beat well-tuned supervised baselines?"""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sfmbench")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

from .catalog import METHODS, TASKS, create_task, task_names
from .context import RunContext
from .data import (ArrayInputs, ArraySplit, ForecastInputs, ForecastTargets, HeldOut,
                   SeriesSplit, TaskData)
from .errors import (ConfigError, DataError, PluginError, SfmbenchError, StorageError,
                     UnknownNameError)
from .method import FitReport, Method
from .registry import Registry, registers
from .specs import ProblemType, TaskSpec
from .task import Task

__all__ = [
    "ArrayInputs", "ArraySplit", "ConfigError", "DataError", "FitReport", "ForecastInputs",
    "ForecastTargets", "HeldOut", "METHODS", "Method", "PluginError", "ProblemType", "Registry",
    "RunContext", "SeriesSplit", "SfmbenchError", "StorageError", "TASKS", "Task", "TaskData",
    "TaskSpec", "UnknownNameError", "__version__", "create_task", "registers", "task_names",
]

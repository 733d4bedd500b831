"""Config composition: YAML groups (model/, suite/, budget/) + ``key=value`` overrides.

Overrides follow the small grammar of :mod:`sfmbench.overrides` (``models=[autoar,dlinear]``,
``seeds=0,1,2``, ``task.path=/data/x.csv``); files are plain YAML read with OmegaConf. The
search path is the built-in ``sfmbench.conf`` package, then directories that plugins declare through the
``sfmbench.conf`` entry-point group (a module whose folder holds ``model/``, ``suite/`` ...),
then ``SFMBENCH_CONFIG_PATH`` (``os.pathsep``-separated); later entries win on equal names.
"""
from __future__ import annotations

import difflib
import fnmatch
import hashlib
import importlib
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from .catalog import METHODS, TASKS
from .errors import ConfigError, UnknownNameError

GROUPS = ("model", "suite", "budget", "executor", "storage")


# --- search path and YAML ------------------------------------------------------------------
_CONF_BROKEN: dict[str, str] = {}  # sfmbench.conf entry point -> why it was skipped


def config_dirs() -> list[Path]:
    """Config roots, lowest priority first."""
    dirs = [Path(importlib.import_module("sfmbench.conf").__file__).parent]
    _CONF_BROKEN.clear()
    for ep in entry_points(group="sfmbench.conf"):
        try:
            module = importlib.import_module(ep.value)
            dirs.append(Path(module.__file__).parent)
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not hide the built-ins
            source = ep.dist.name if ep.dist else ep.value
            _CONF_BROKEN[f"{ep.name} ({source})"] = f"config folder {ep.value!r} failed to " \
                                                    f"import: {type(exc).__name__}: {exc}"
            continue
    extra = os.environ.get("SFMBENCH_CONFIG_PATH", "")
    dirs += [Path(p) for p in extra.split(os.pathsep) if p]
    return dirs


def yaml_files(group: str) -> dict[str, Path]:
    """name -> file for every YAML of a group (names may contain '/': nested folders).

    A YAML from a plugin or ``SFMBENCH_CONFIG_PATH`` named like a built-in (a built-in YAML of
    the group, or for models a built-in method) is ignored unless ``SFMBENCH_ALLOW_OVERRIDE``
    names it: no installed package can silently change a built-in's settings
    (:func:`config_problems` lists what was ignored)."""
    return _scan(group)[0]


def _scan(group: str) -> tuple[dict[str, Path], list[tuple[str, Path]]]:
    from .registry import allowed_overrides

    dirs = config_dirs()
    builtin_root, allowed = dirs[0], allowed_overrides()
    found: dict[str, Path] = {}
    refused: list[tuple[str, Path]] = []
    for root in dirs:
        base = root / group
        if base.is_dir():
            for path in sorted(base.rglob("*.yaml")):
                name = path.relative_to(base).with_suffix("").as_posix()
                if root != builtin_root and name not in allowed and \
                        _is_builtin_name(group, name, found, builtin_root):
                    refused.append((name, path))
                    continue
                found[name] = path
    return found, refused


def _is_builtin_name(group: str, name: str, found: dict[str, Path], builtin_root: Path) -> bool:
    if name in found:
        return found[name].is_relative_to(builtin_root)
    return group == "model" and name in METHODS and METHODS.entry(name).source == "builtin"


def config_problems() -> list[tuple[str, str]]:
    """(what, why) for every config entry point that failed and every YAML that was ignored
    because it would replace a built-in's settings."""
    from .registry import OVERRIDE_ENV

    out: list[tuple[str, str]] = []
    for group in GROUPS:
        for name, path in _scan(group)[1]:
            out.append((f"{group} {name}", f"{path} would replace the built-in {group} "
                        f"{name!r}; ignored (set {OVERRIDE_ENV}={name} to use it)"))
    out += list(_CONF_BROKEN.items())
    return out


def load_yaml(path: Path) -> dict[str, Any]:
    try:
        data = OmegaConf.to_container(OmegaConf.load(path), resolve=True)
    except Exception as exc:
        raise ConfigError(f"cannot read config {path}: {exc}", "fix the YAML syntax") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config {path} must be a mapping, got {type(data).__name__}")
    return data  # type: ignore[return-value]


def group_entry(group: str, name: str) -> dict[str, Any]:
    files = yaml_files(group)
    if name not in files:
        raise UnknownNameError(group, name, files)
    return load_yaml(files[name])


# --- overrides -----------------------------------------------------------------------------
def split_prefixed(overrides: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Nested dict of the ``prefix.*`` overrides (``model.a.b=1`` -> ``{"a": {"b": 1}}``)."""
    flat = {k[len(prefix) + 1:]: v for k, v in overrides.items() if k.startswith(prefix + ".")}
    return OmegaConf.to_container(OmegaConf.from_dotlist([f"{k}={json.dumps(v)}" for k, v in
                                                          flat.items()])) if flat else {}


def check_keys(overrides: dict[str, Any], allowed: set[str], command: str) -> None:
    for key in overrides:
        head = key.split(".", 1)[0]
        if head not in allowed:
            close = difflib.get_close_matches(head, sorted(allowed), n=3)
            raise ConfigError(f"unknown setting {key!r} for `sfmbench {command}`",
                              (f"did you mean {', '.join(close)}? " if close else "")
                              + f"valid: {', '.join(sorted(allowed))}")


# --- models ---------------------------------------------------------------------------------
@dataclass
class ModelConfig:
    """A model name resolved to its Method class name, params and per-budget overrides."""

    name: str
    method: str
    params: dict[str, Any] = field(default_factory=dict)
    budgets: dict[str, dict[str, Any]] = field(default_factory=dict)
    description: str = ""
    source: str = "registry"

    def resolved_params(self, budget: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """The method's ``Params`` defaults, then the YAML's params, the budget's counts, the
        YAML's ``budgets.<budget>`` section and ``overrides``, merged and type-checked."""
        from .budget import budget_defaults, load_budget
        from .params import resolve_params

        cls = METHODS.get(self.method)
        counts = budget_defaults(cls, load_budget(budget))   # the budget's counts, then refined
        return resolve_params(cls.Params, [
            ("its model config", self.params), (f"the {budget!r} budget's counts", counts),
            (f"its {budget!r} budget", self.budgets.get(budget) or {}),
            ("the overrides", overrides or {})], self.name)


def known_params(cls: type) -> dict[str, Any]:
    """Every parameter a method class accepts, with its default (the fields of its Params)."""
    from .params import defaults_of
    return defaults_of(cls.Params)


def model_names(pattern: str | None = None) -> list[str]:
    names = sorted(set(METHODS.list()) | set(yaml_files("model")))
    if pattern:
        pats = [p.strip().lower() for p in pattern.split(",") if p.strip()]
        names = [n for n in names if any(fnmatch.fnmatch(n.lower(), p) for p in pats)]
    return names


def model_config(name: str) -> ModelConfig:
    files = yaml_files("model")
    if name in files:
        data = load_yaml(files[name])
        unknown = set(data) - {"method", "params", "budgets", "description", "kind"}
        if unknown:
            raise ConfigError(f"model config {files[name]} has unknown key(s) {sorted(unknown)}",
                              "allowed: method, description, params, budgets")
        cfg = ModelConfig(name=name, method=data.get("method", name),
                          params=data.get("params") or {}, budgets=data.get("budgets") or {},
                          description=data.get("description", ""), source=str(files[name]))
        METHODS.entry(cfg.method)  # unknown method class -> helpful error
        return cfg
    if name in METHODS:
        return ModelConfig(name=name, method=name)
    METHODS.raise_if_broken(name)  # a skipped plugin: say why, not "unknown model"
    raise UnknownNameError("model", name, model_names())


# --- jobs -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class JobSpec:
    """One (task, model, seed, budget, params) job; its key is the hash of the resolved config."""

    task: str
    model: str
    method: str
    seed: int
    budget: str
    task_params: dict[str, Any] = field(default_factory=dict, hash=False)
    model_params: dict[str, Any] = field(default_factory=dict, hash=False)
    #: content identity of a user's data file (``Task.identity()``); None for canonical data
    task_identity: str | None = None

    def resolved(self) -> dict[str, Any]:
        task: dict[str, Any] = {"name": self.task, "params": self.task_params}
        if self.task_identity:  # a changed file is a different job
            task["identity"] = self.task_identity
        return {"task": task,
                "model": {"name": self.model, "method": self.method, "params": self.model_params},
                "seed": self.seed, "budget": self.budget}

    @property
    def task_label(self) -> str:
        """The task as stored and shown: its name, plus the data's identity for user files."""
        return f"{self.task}@{self.task_identity}" if self.task_identity else self.task

    @property
    def key(self) -> str:
        return config_hash(self.resolved())

    @property
    def label(self) -> str:
        return f"{self.task_label} x {self.model} (seed {self.seed})"


def config_hash(config: dict[str, Any]) -> str:
    blob = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def budget_names() -> list[str]:
    return sorted(yaml_files("budget"))


@lru_cache(maxsize=None)
def _budget(name: str) -> dict[str, Any]:
    return group_entry("budget", name)


def budget_config(name: str) -> dict[str, Any]:
    return dict(_budget(name))


def make_job(task: str, model: str, seed: int = 0, budget: str = "cpu",
             task_overrides: dict[str, Any] | None = None,
             model_overrides: dict[str, Any] | None = None) -> JobSpec:
    """Resolve names and parameters into a JobSpec (validating everything cheaply)."""
    from .parsing import strict_bools
    from .task import Task

    TASKS.entry(task)
    if not isinstance(budget, str):
        raise ConfigError(f"budget must be one name, got {budget!r}",
                          f"e.g. budget=cpu (budgets: {', '.join(budget_names())})")
    budget_config(budget)
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**32:
        raise ConfigError(f"seed must be an integer in [0, 2**32), got {seed!r}", "e.g. seed=0")
    mcfg = model_config(model)
    task_params = {**TASKS.metadata(task).get("params", {}), **(task_overrides or {})}
    model_params = mcfg.resolved_params(budget, model_overrides)
    identity = None
    task_cls = TASKS.get(task)
    task_params = strict_bools(task_params, getattr(task_cls, "defaults", {}) or {}, "task.")
    if getattr(task_cls, "identity", Task.identity) is not Task.identity:  # user-file tasks
        identity = task_cls(name=task, **task_params).identity()
    return JobSpec(task=task, model=model, method=mcfg.method, seed=seed, budget=budget,
                   task_params=task_params, model_params=model_params, task_identity=identity)

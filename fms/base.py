"""The foundation-model adapter contract, and the generic pieces every FM adapter shares.

An adapter is a :class:`FoundationModel` subclass that declares what it supports (``problems``,
``domains``, ``recipes``, ``pretraining_data``) and implements ``fit`` and ``predict``. The base
gives it:

- loading: :meth:`FoundationModel.load_source` turns the ``model_id`` param (a Hugging Face hub
  id or a local folder) at ``revision`` into a local folder (:func:`resolve_source`), and refuses
  models that ship their own code unless the user opted in (``trust_remote_code: true``);
- fine-tuning recipes (``zero-shot``, ``frozen`` = linear probe, ``full``, ``lora`` through
  ``peft``): :meth:`FoundationModel.apply_recipe` sets which weights train;
- a tunable budget: :meth:`FoundationModel.tune` searches the ``search_space`` param (e.g.
  learning rate, epochs) with :func:`sfmbench.tuning.optimize` on the validation split;
- :func:`check_contract`, which lists what a plugin class is missing (``sfmbench check-plugin``).

Model-specific code (tokenizers, patching, heads) lives in the family modules.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Optional, TypeVar

from sfmbench.data import tuning_subset
from sfmbench.errors import ConfigError, PluginError, SfmbenchError
from sfmbench.method import FitReport, Method, contract_issues
from sfmbench.params import MethodParams, param

if TYPE_CHECKING:
    import optuna
    import torch

    from sfmbench.context import RunContext
    from sfmbench.data import ArraySplit
    from sfmbench.specs import TaskSpec

#: every fine-tuning recipe the suite knows
RECIPES: tuple[str, ...] = ("zero-shot", "frozen", "full", "lora")
#: the override that opts a run into executing a model's own code
REMOTE_CODE_OVERRIDE = "model.trust_remote_code=true"
#: files a hub download skips (other frameworks' weights)
IGNORED_HUB_FILES: tuple[str, ...] = ("*.msgpack", "*.h5", "*.ot", "*.onnx", "flax_model*",
                                      "tf_model*", "onnx/*", "*.gguf")
_DTYPES = ("auto", "float32", "float16", "bfloat16")

A = TypeVar("A")


# ----------------------------------------------------------------------------------------------
# loading
# ----------------------------------------------------------------------------------------------
def _looks_like_path(model_id: str) -> bool:
    return model_id.startswith((".", "/", "~")) or "\\" in model_id or model_id.count("/") > 1


def resolve_source(model_id: str, revision: str | None = None, *,
                   ignore_patterns: tuple[str, ...] = IGNORED_HUB_FILES,
                   allow_patterns: tuple[str, ...] | None = None) -> Path:
    """The local folder holding ``model_id``: the folder itself, or the hub snapshot (downloaded
    into the Hugging Face cache unless already there).

    Raises :class:`SfmbenchError` naming the id and how to pre-download it or point ``model_id``
    at a local folder when the hub cannot be reached (e.g. ``HF_HUB_OFFLINE=1``) or the id is
    not a model.
    """
    if not model_id or not isinstance(model_id, str):
        raise ConfigError("no model_id given",
                          "set params.model_id in the model YAML (a Hugging Face hub id such as "
                          "amazon/chronos-bolt-small, or a local folder)")
    local = Path(model_id).expanduser()
    if local.is_dir():
        return local.resolve()
    if local.exists() or _looks_like_path(model_id):
        raise ConfigError(f"model_id {model_id!r} is not a folder",
                          "point model_id at the folder written by save_pretrained (with its "
                          "config.json), or give a hub id like owner/name")
    from huggingface_hub import errors as hf_errors
    from huggingface_hub import snapshot_download

    rev = f" --revision {revision}" if revision else ""
    local_hint = "set model_id to a local folder holding the model (model.model_id=/path)"
    hint = (f"download it once where the hub is reachable (`hf download {model_id}{rev}`, then "
            f"run with HF_HUB_OFFLINE=1), or {local_hint}")
    try:
        path = snapshot_download(repo_id=model_id, revision=revision,
                                 allow_patterns=list(allow_patterns) if allow_patterns else None,
                                 ignore_patterns=list(ignore_patterns))
    except hf_errors.HFValidationError as exc:
        raise ConfigError(f"model_id {model_id!r} is neither a local folder nor a valid hub id",
                          "give an existing folder or a hub id like owner/name") from exc
    except (hf_errors.GatedRepoError, hf_errors.LocalTokenNotFoundError) as exc:
        raise SfmbenchError(f"model {model_id!r} is gated on the Hugging Face hub: {exc}",
                            "accept its license on the hub and log in (`hf auth login`), or "
                            + local_hint) from exc
    except hf_errors.RepositoryNotFoundError as exc:
        raise SfmbenchError(f"model {model_id!r} was not found on the Hugging Face hub",
                            f"check the id's spelling, or {local_hint}") from exc
    except hf_errors.RevisionNotFoundError as exc:
        raise SfmbenchError(f"model {model_id!r} has no revision {revision!r}",
                            "give an existing branch, tag or commit as model.revision"
                            ) from exc
    except (hf_errors.LocalEntryNotFoundError, hf_errors.OfflineModeIsEnabled,
            hf_errors.HfHubHTTPError, OSError) as exc:
        raise SfmbenchError(f"cannot get model {model_id!r} from the Hugging Face hub "
                            f"(offline or unreachable: {type(exc).__name__})", hint) from exc
    return Path(path)


def needs_remote_code(folder: Path) -> bool:
    """True when the checkpoint's config maps its classes to code shipped with the model."""
    config = Path(folder) / "config.json"
    if not config.is_file():
        return False
    try:
        data = json.loads(config.read_text())
    except (OSError, ValueError):
        return False
    return bool(data.get("auto_map"))


# ----------------------------------------------------------------------------------------------
# tuning
# ----------------------------------------------------------------------------------------------
@dataclass
class TuneResult(Generic[A]):
    """The outcome of :meth:`FoundationModel.tune`."""

    params: dict[str, Any]                # the chosen hyperparameters
    value: float                          # their validation score (task's primary metric)
    artifact: A | None                    # the best trial's fitted object, when made in this process
    n_trials: int
    seconds: float
    history: list[dict[str, Any]] = field(default_factory=list)


# ----------------------------------------------------------------------------------------------
# the adapter base
# ----------------------------------------------------------------------------------------------
@dataclass
class FMParams(MethodParams):
    """Parameters every FM adapter shares; a family subclasses this to add its own."""

    model_id: Optional[str] = param(None, "Hugging Face hub id or local folder of the "
                                          "checkpoint")
    revision: Optional[str] = param(None, "hub branch, tag or commit (null = the default "
                                          "branch)")
    trust_remote_code: bool = param(False, "opt in to running Python code shipped with the "
                                           "checkpoint")
    dtype: str = param("float32", "weights dtype: auto, float32, float16 or bfloat16")
    recipe: str = param("zero-shot", "fine-tuning recipe: zero-shot, frozen (linear probe), "
                                     "full or lora")
    search_space: dict[str, Any] = param({}, "hyperparameter -> list of choices, searched on "
                                             "the validation split")
    n_trials: int = param(1, "tuning trials")
    sampler: str = param("random", "optuna sampler of the search: random, tpe or grid")
    lora: dict[str, Any] = param({"r": 8, "lora_alpha": 16, "lora_dropout": 0.0,
                                  "target_modules": None},
                                 "peft LoraConfig kwargs (target_modules null = peft's choice)")


@dataclass
class HalvingFMParams(FMParams):
    """An FM searched as DASHA searches: successive halving over the budget's trials and
    epochs, each trial on the budget's seeded training subset (:data:`HALVING_BUDGET_PARAMS`)."""

    n_trials: int = param(4, "tuning trials (budget: trials)")
    min_epochs: int = param(1, "successive halving: first rung (budget: min_epochs)")
    reduction_factor: int = param(2, "successive halving: eta (budget: reduction_factor)")
    max_epochs: int = param(4, "epochs of one trial, the top rung (budget: max_epochs)")
    max_train_samples: Optional[int] = param(None, "seeded subset of train per trial (null = "
                                                   "all; budget: train_samples)")


@dataclass
class TunedFMParams(HalvingFMParams):
    """An FM tuned as DASHA is: the search of :class:`HalvingFMParams`, then a final fit of the
    chosen configuration for the budget's ``retrain_epochs`` (:data:`TUNED_BUDGET_PARAMS`)."""

    retrain_epochs: int = param(4, "epochs of the final fit (budget: retrain_epochs)")


#: budget count -> :class:`HalvingFMParams` field
HALVING_BUDGET_PARAMS: dict[str, str] = {
    "trials": "n_trials", "min_epochs": "min_epochs", "reduction_factor": "reduction_factor",
    "max_epochs": "max_epochs", "train_samples": "max_train_samples"}
#: budget count -> :class:`TunedFMParams` field
TUNED_BUDGET_PARAMS: dict[str, str] = {**HALVING_BUDGET_PARAMS, "retrain_epochs": "retrain_epochs"}


class FoundationModel(Method):
    """Base of every FM adapter (``kind = "fm"``).

    Subclasses declare ``problems`` (and ``domains`` when they are modality-specific),
    ``recipes`` (a subset of :data:`RECIPES`), ``pretraining_data`` and ``Params``, a subclass
    of :class:`FMParams` (or a ``defaults`` dict, from which one is derived); they implement
    ``fit`` (call :meth:`load_source` there) and ``predict``.

    Common params: ``model_id`` (hub id or local folder), ``revision``, ``trust_remote_code``
    (opt-in), ``dtype``, ``recipe``, ``search_space`` (name -> list of choices, searched on the
    validation split by :meth:`tune`), ``n_trials``, ``sampler``, ``lora`` (peft ``LoraConfig``
    kwargs).
    """

    kind: ClassVar[str] = "fm"
    #: fine-tuning recipes this adapter implements (subset of RECIPES)
    recipes: ClassVar[frozenset[str]] = frozenset({"zero-shot"})
    Params: ClassVar[type[MethodParams]] = FMParams

    @classmethod
    def contract_issues(cls, params: dict[str, Any] | None = None) -> list[str]:
        """FM-specific contract checks, reported by ``sfmbench check-plugin``."""
        return fm_contract_issues(cls, params)

    def __init__(self, spec: "TaskSpec", params: dict[str, Any], ctx: "RunContext") -> None:
        super().__init__(spec, params, ctx)
        recipe = self.params.recipe
        if recipe not in self.recipes:
            raise ConfigError(f"{type(self).__name__} does not support recipe {recipe!r}",
                              f"use one of: {', '.join(sorted(self.recipes))} "
                              f"(model.recipe=...)")
        if self.params.dtype not in _DTYPES:
            raise ConfigError(f"unknown dtype {self.params['dtype']!r}",
                              f"use one of: {', '.join(_DTYPES)}")
        self.source: Path | None = None

    # -- loading -------------------------------------------------------------------------------
    @property
    def recipe(self) -> str:
        return str(self.params.recipe)

    @property
    def remote_code_allowed(self) -> bool:
        from sfmbench.parsing import explicit_true  # "no"/"off"/"false" never mean yes
        return explicit_true(self.params.get("trust_remote_code"), "model.trust_remote_code") \
            or getattr(self.ctx, "allow_remote_code", False) is True

    def require_remote_code(self, model_id: str | None = None) -> None:
        """Raise unless the user opted into running the model's own code."""
        if self.remote_code_allowed:
            return
        model_id = model_id or str(self.params.get("model_id"))
        raise SfmbenchError(
            f"model {model_id!r} needs remote code: it runs Python files shipped with the "
            "checkpoint, which sfmbench does not execute unless you opt in",
            f"review the model's code, then pass {REMOTE_CODE_OVERRIDE} or set "
            "`trust_remote_code: true` under params in its model YAML")

    def load_source(self, **resolve_kwargs: Any) -> Path:
        """Resolve ``model_id``/``revision`` to a local folder and apply the remote-code gate."""
        model_id = self.params.get("model_id")
        if not model_id:
            raise ConfigError(f"{type(self).__name__} needs a model_id",
                              "set model.model_id to a hub id or a local folder, or use "
                              "one of its model YAMLs (`sfmbench models list`)")
        folder = resolve_source(str(model_id), self.params.get("revision"), **resolve_kwargs)
        if needs_remote_code(folder):
            self.require_remote_code(str(model_id))
        self.source = folder
        return folder

    def hf_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``from_pretrained`` on the resolved folder."""
        return {"trust_remote_code": self.remote_code_allowed, "dtype": self.torch_dtype()}

    def torch_dtype(self) -> "torch.dtype | str":
        name = self.params.dtype
        if name == "auto":
            return "auto"
        import torch
        return getattr(torch, name)

    # -- recipes -------------------------------------------------------------------------------
    def apply_recipe(self, module: "torch.nn.Module", head: "torch.nn.Module | None" = None,
                     recipe: str | None = None, rank: int | None = None) -> "torch.nn.Module":
        """Set which weights train for the recipe and return the module to train.

        ``zero-shot``/``frozen``: the backbone is frozen (a ``head``, if any, stays trainable);
        ``full``: everything trains; ``lora``: the backbone is wrapped with ``peft`` adapters
        from the ``lora`` param (``target_modules: null`` lets peft pick per architecture).
        """
        recipe = recipe or self.recipe
        if recipe == "lora":
            from peft import LoraConfig, get_peft_model
            cfg = {k: v for k, v in dict(self.params.get("lora") or {}).items() if v is not None}
            if rank is not None:      # a searched LoRA rank
                cfg["r"] = int(rank)
            try:
                module = get_peft_model(module, LoraConfig(**cfg))
            except ValueError as exc:
                raise ConfigError(f"LoRA cannot wrap {type(module).__name__}: {exc}",
                                  "set model.lora.target_modules to the names of its "
                                  "linear layers") from exc
        else:
            for p in module.parameters():
                p.requires_grad_(recipe == "full")
        if head is not None:
            for p in head.parameters():
                p.requires_grad_(True)
        return module

    # -- tuning --------------------------------------------------------------------------------
    def tune(self, fit_trial: Callable[..., tuple[float, A]],
             stage: str = "finetune", search_space: Mapping[str, list[Any]] | None = None,
             n_trials: int | None = None, *, first_trial: Mapping[str, Any] | None = None,
             prune: bool = False) -> TuneResult[A]:
        """Search ``search_space`` (default: the ``search_space`` param) on validation data.

        ``fit_trial(hp)`` fits with hyperparameters ``hp`` on train and returns (validation
        score in the task's primary metric, the fitted object). Trials go through
        :func:`sfmbench.tuning.optimize`, so the study is resumable; the best object is kept
        in memory (``artifact`` is None when the best trial ran in an earlier process: refit
        with ``params`` then).

        ``first_trial`` (e.g. the model's published recipe) is enqueued as trial 0. With
        ``prune``, ``fit_trial(hp, report)`` also gets a ``report(epoch, value)`` callback and
        trials are pruned by successive halving (``min_epochs``/``reduction_factor`` params), the
        schedule the tuned baselines use. The job's runaway guard, if any, bounds the search.
        """
        from sfmbench.training import optuna_report
        from sfmbench.tuning import best_trial, optimize

        space = {k: list(v) if isinstance(v, (list, tuple)) else [v]
                 for k, v in dict(search_space if search_space is not None
                                  else self.params.get("search_space") or {}).items()}
        n = int(n_trials if n_trials is not None else self.params.get("n_trials") or 1)
        best: dict[str, Any] = {"value": None, "artifact": None, "number": None}
        history: list[dict[str, Any]] = []

        def objective(trial: "optuna.Trial") -> float:
            hp = {k: trial.suggest_categorical(k, v) for k, v in space.items()}
            value, artifact = (fit_trial(hp, optuna_report(trial, self.spec.direction))
                               if prune else fit_trial(hp))
            value = float(value)
            history.append({"trial": trial.number, **hp, "value": value})
            if best["value"] is None or self.spec.is_better(value, best["value"]):
                best.update(value=value, artifact=artifact, number=trial.number)
            return value

        start = time.perf_counter()
        sampler = str(self.params.get("sampler") or "random")
        # the recipe's values that are points of the space (the sampler draws the others)
        first = ([{k: v for k, v in dict(first_trial).items() if k in space and v in space[k]}]
                 if first_trial else None)
        guard = getattr(self.ctx, "guard", None)
        study = optimize(self.ctx, objective, n_trials=n, direction=self.spec.direction,
                         stage=stage, sampler=sampler,
                         search_space=space if sampler == "grid" else None,
                         pruner="sha" if prune else None,
                         pruner_kwargs={"min_resource": int(self.params.get("min_epochs") or 1),
                                        "reduction_factor":
                                            int(self.params.get("reduction_factor") or 2)}
                         if prune else None,
                         timeout=guard.remaining() if guard is not None else None,
                         first_trials=first)
        if guard is not None and guard.tripped and not any(
                t.state.name == "COMPLETE" for t in study.trials):
            raise SfmbenchError(f"the budget's guard_seconds ({guard.seconds} s) stopped "
                                f"{type(self).__name__}'s search before any trial finished",
                                "the guard only stops runaway jobs: give the budget a larger "
                                "guard_seconds, or use a smaller budget")
        top = best_trial(study)
        artifact = best["artifact"] if best["number"] == top.number else None
        return TuneResult(params=dict(top.params), value=float(top.value), artifact=artifact,
                          n_trials=len(study.trials), seconds=time.perf_counter() - start,
                          history=history)

    # -- reporting -----------------------------------------------------------------------------
    def tuning_data(self, train: "ArraySplit") -> "ArraySplit":
        """The seeded subset of train the tuning trials see (``max_train_samples``, from the
        budget's ``train_samples``; all of train when unset): :func:`sfmbench.data.tuning_subset`,
        so an FM and DASHA of the same budget and seed tune on the same samples."""
        return tuning_subset(train, self.params.get("max_train_samples"), self.ctx.seed)

    def fit_report(self, **kwargs: Any) -> FitReport:
        """A FitReport that records the checkpoint and recipe besides ``kwargs``."""
        report = FitReport(**kwargs)
        report.hyperparameters = {"recipe": self.recipe, **report.hyperparameters}
        report.extra = {"model_id": self.params.get("model_id"),
                        "revision": self.params.get("revision"),
                        "source": str(self.source) if self.source else None, **report.extra}
        return report


# ----------------------------------------------------------------------------------------------
# contract check
# ----------------------------------------------------------------------------------------------
def check_contract(cls: type, params: Mapping[str, Any] | None = None) -> list[str]:
    """What ``cls`` lacks to be a usable FM adapter (empty list = it meets the contract):
    the engine's checks (:func:`sfmbench.method.contract_issues`), which call the FM hook
    :meth:`FoundationModel.contract_issues`. ``params`` are the merged model-YAML params."""
    missing = contract_issues(cls, dict(params or {}))
    if isinstance(cls, type) and issubclass(cls, Method) and not issubclass(cls, FoundationModel):
        missing.append("it does not derive from sfmbench.fms.base.FoundationModel")
    return missing


def fm_contract_issues(cls: type, params: Mapping[str, Any] | None = None) -> list[str]:
    """The FM-specific part of the contract: kind, model id, recipes, pretraining data."""
    missing: list[str] = []
    if getattr(cls, "kind", None) != "fm":
        missing.append(f"kind is {getattr(cls, 'kind', None)!r}, not 'fm'")
    from sfmbench.config import known_params
    merged = {**known_params(cls), **dict(params or {})}
    if not merged.get("model_id"):
        missing.append("no model_id default (set the model_id default of its Params, or "
                       "params.model_id in its model YAML)")
    recipes = set(getattr(cls, "recipes", ()) or ())
    if not recipes:
        missing.append(f"no recipes declared (a subset of {', '.join(RECIPES)})")
    unknown = sorted(recipes - set(RECIPES))
    if unknown:
        missing.append(f"unsupported recipe(s) {unknown}; known: {', '.join(RECIPES)}")
    recipe = merged.get("recipe")
    if recipes and recipe not in recipes:
        missing.append(f"default recipe {recipe!r} is not among its recipes "
                       f"({', '.join(sorted(recipes))})")
    if getattr(cls, "pretraining_data", None) in (None, ""):
        missing.append("pretraining_data not declared (a short description of the corpus and "
                       "its size)")
    return missing


def ensure_contract(cls: type, params: Mapping[str, Any] | None = None) -> None:
    """Raise :class:`PluginError` listing everything :func:`check_contract` finds missing."""
    missing = check_contract(cls, params)
    if missing:
        raise PluginError(f"{getattr(cls, '__name__', cls)} does not meet the FM adapter "
                          f"contract: " + "; ".join(missing),
                          "see sfmbench.fms.base.FoundationModel")


__all__ = ["FMParams", "FoundationModel", "HALVING_BUDGET_PARAMS", "HalvingFMParams",
           "IGNORED_HUB_FILES", "RECIPES", "REMOTE_CODE_OVERRIDE", "TUNED_BUDGET_PARAMS",
           "TuneResult", "TunedFMParams", "check_contract", "ensure_contract",
           "needs_remote_code", "resolve_source"]

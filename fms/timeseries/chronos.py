"""Chronos adapters (chronos-forecasting): Chronos-Bolt, original Chronos (T5) and Chronos-2.

One class serves every checkpoint: ``BaseChronosPipeline.from_pretrained`` picks the pipeline
from the checkpoint's config. Zero-shot, each channel of each window is forecast (median by
default) for the full horizon; horizons beyond the checkpoint's native prediction length use the
pipelines' own autoregressive extension. Chronos-2 forecasts the channels of a window jointly
(``multivariate: true``) and supports fine-tuning (``Chronos2Pipeline.fit``, recipes ``full``
and ``lora``), selected on the validation windows against the zero-shot model.
"""
from __future__ import annotations

from dataclasses import dataclass

import logging
import tempfile
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Optional

import numpy as np

from sfmbench.data import SeriesSplit
from sfmbench.errors import ConfigError
from sfmbench.method import FitReport
from sfmbench.params import MethodParams, param

from .forecaster import WindowForecaster, WindowParams

if TYPE_CHECKING:
    from sfmbench.context import RunContext
    from sfmbench.specs import TaskSpec

#: Chronos-2's LoRA targets when the ``lora`` param names none (as chronos-forecasting's default)
CHRONOS2_LORA_TARGETS = ["self_attention.q", "self_attention.v", "self_attention.k",
                         "self_attention.o", "output_patch_embedding.output_layer"]


@dataclass
class ChronosParams(WindowParams):
    """Chronos zero-shot forecasting and Chronos-2 fine-tuning."""

    multivariate: bool = param(True, "Chronos-2: forecast a window's channels as one group")
    num_samples: Optional[int] = param(None, "original Chronos: sample paths per series (null "
                                             "= the checkpoint's)")
    finetune_batch_size: int = param(32, "Chronos-2 fine-tuning batch size")
    search_space: dict[str, Any] = param({"learning_rate": [1e-5, 1e-4], "num_steps": [100]})
    n_trials: int = param(2, "fine-tuning trials (budget: trials)")


class Chronos(WindowForecaster):
    """Any Chronos checkpoint by hub id or local folder (``model_id`` is required).

    Params (besides those of WindowForecaster): ``multivariate`` (Chronos-2: forecast a window's
    channels as one group), ``num_samples`` (original Chronos: sample paths per series; null =
    the checkpoint's), fine-tuning (Chronos-2): ``search_space`` over ``learning_rate`` and
    ``num_steps``, ``n_trials``, ``finetune_batch_size``, ``lora``.
    """

    extra: ClassVar[str | None] = "timeseries"
    description: ClassVar[str] = (
        "Chronos / Chronos-Bolt / Chronos-2 (chronos-forecasting); model_id required"
    )

    recipes: ClassVar[frozenset[str]] = frozenset({"zero-shot", "full", "lora"})
    pretraining_data: ClassVar[str | None] = (
        "public time-series corpora plus synthetic series (TSMixup, KernelSynth); Chronos-2 adds "
        "synthetic multivariate data (Ansari et al. 2024, 2025)")
    Params: ClassVar[type[MethodParams]] = ChronosParams
    params: ChronosParams
    #: fine-tuning trials: the budget's count, as every tuned method's (sfmbench.budget)
    budget_params: ClassVar[dict[str, str]] = {"trials": "n_trials"}

    def __init__(self, spec: "TaskSpec", params: dict[str, Any], ctx: "RunContext") -> None:
        super().__init__(spec, params, ctx)
        self.pipeline: Any = None
        self.model: Any = None

    # -- loading -------------------------------------------------------------------------------
    def load(self) -> Any:
        """Resolve ``model_id`` and load its pipeline on the run's device."""
        from chronos import BaseChronosPipeline

        folder = self.load_source()
        _silence_length_advice()
        kwargs: dict[str, Any] = {"device_map": self.ctx.device, "dtype": self.torch_dtype()}
        if self.remote_code_allowed:
            kwargs["trust_remote_code"] = True
        try:
            pipeline = BaseChronosPipeline.from_pretrained(str(folder), **kwargs)
        except (ValueError, AssertionError, KeyError) as exc:
            raise ConfigError(f"model_id {self.params['model_id']!r} is not a loadable Chronos "
                              f"checkpoint: {exc}",
                              "use a Chronos, Chronos-Bolt or Chronos-2 checkpoint (its "
                              "config.json has chronos_config)") from exc
        self._use(pipeline)
        return pipeline

    def _use(self, pipeline: Any) -> None:
        self.pipeline = pipeline
        self.model = getattr(pipeline, "model", None)
        if self.model is not None and hasattr(self.model, "eval"):
            self.model.eval()

    @property
    def grouped(self) -> bool:
        """True for Chronos-2 pipelines (they take (batch, variates, length) inputs)."""
        return hasattr(self.pipeline, "fit") and hasattr(self.pipeline, "max_output_patches")

    @property
    def native_horizon(self) -> int:
        return int(self.pipeline.model_prediction_length)

    # -- forecasting ---------------------------------------------------------------------------
    def forecast_windows(self, lookbacks: np.ndarray, horizon: int) -> np.ndarray:
        if not (self.grouped and self.params.multivariate):
            return super().forecast_windows(lookbacks, horizon)
        x = np.ascontiguousarray(lookbacks.transpose(0, 2, 1), dtype=np.float32)  # (n, C, L)
        return self._chronos2(x, horizon).transpose(0, 2, 1)

    def forecast_series(self, series: np.ndarray, horizon: int) -> np.ndarray:
        if self.grouped:
            return self._chronos2(series[:, None, :], horizon)[:, 0]
        import torch

        kwargs: dict[str, Any] = {}
        if self.params.get("num_samples"):
            kwargs["num_samples"] = int(self.params.num_samples)
        device = torch.device(self.ctx.device)
        devices = [device.index or 0] if device.type == "cuda" else []
        with _quiet(), torch.random.fork_rng(devices=devices, device_type="cuda"):
            torch.manual_seed(self.ctx.seed)  # original Chronos samples its forecasts
            quantiles, mean = self.pipeline.predict_quantiles(
                torch.from_numpy(series), prediction_length=horizon, quantile_levels=[0.5],
                **kwargs)
        out = quantiles[..., 0] if self.params.point == "median" else mean
        return out.float().cpu().numpy()

    def _chronos2(self, x: np.ndarray, horizon: int) -> np.ndarray:
        """(n, V, L) -> (n, V, H) with a Chronos-2 pipeline."""
        with _quiet():
            quantiles, mean = self.pipeline.predict_quantiles(
                x, prediction_length=horizon, quantile_levels=[0.5],
                batch_size=int(self.params.batch_size))
        parts = ([q[..., 0] for q in quantiles] if self.params.point == "median" else mean)
        return np.stack([p.float().cpu().numpy() for p in parts])

    # -- fitting -------------------------------------------------------------------------------
    def fit(self, train: SeriesSplit, val: SeriesSplit) -> FitReport:
        self.check_splits(train, val)
        started = time.perf_counter()
        self.load()
        report = self.zero_shot_fit(val, started)
        extra: dict[str, Any] = {"pipeline": type(self.pipeline).__name__,
                                 "native_horizon": self.native_horizon}
        if self.recipe == "zero-shot":
            return self.fit_report(**report, extra=extra)
        return self._finetune(train, val, report, extra)

    def _finetune(self, train: SeriesSplit, val: SeriesSplit, report: dict[str, Any],
                  extra: dict[str, Any]) -> FitReport:
        if not self.grouped:
            raise ConfigError(f"recipe {self.recipe!r} needs a Chronos-2 checkpoint; "
                              f"{type(self.pipeline).__name__} has no fine-tuning API in "
                              "chronos-forecasting",
                              "use recipe=zero-shot, or a Chronos-2 model (amazon/chronos-2)")
        zero_shot_pipeline, zero_shot_score = self.pipeline, report["best_val_metric"]
        series = np.ascontiguousarray(train.own.T, dtype=np.float32)          # (C, T)
        inputs = [series] if self.params.multivariate else list(series)
        work = Path(self.ctx.work_dir)
        work.mkdir(parents=True, exist_ok=True)

        def fit_trial(hp: dict[str, Any]) -> tuple[float, Any]:
            with tempfile.TemporaryDirectory(dir=work, prefix="chronos2-ft-") as out, _quiet():
                tuned = zero_shot_pipeline.fit(
                    inputs, prediction_length=train.horizon, context_length=train.lookback,
                    finetune_mode=self.recipe, lora_config=self._lora_config(),
                    learning_rate=float(hp.get("learning_rate", 1e-5)),
                    num_steps=int(hp.get("num_steps", 100)),
                    batch_size=int(self.params.finetune_batch_size), output_dir=out,
                    remove_printer_callback=True, disable_tqdm=not self.ctx.show_progress,
                    seed=self.ctx.seed, logging_steps=10**9)
            self._use(tuned)
            return self.validation_score(val), tuned

        result = self.tune(fit_trial, stage=f"finetune-{self.recipe}")
        tuned = result.artifact if result.artifact is not None else fit_trial(result.params)[1]
        better = self.spec.is_better(result.value, zero_shot_score)
        self._use(tuned if better else zero_shot_pipeline)
        stages = {**report["stage_seconds"], "finetune": result.seconds}
        extra.update(selected="finetuned" if better else "zero-shot",
                     zero_shot_val_metric=zero_shot_score, trials=result.history)
        return self.fit_report(best_val_metric=result.value if better else zero_shot_score,
                               hyperparameters={**result.params, "selected": extra["selected"]},
                               n_trials=result.n_trials, tune_seconds=result.seconds,
                               stage_seconds=stages, extra=extra)

    def _lora_config(self) -> dict[str, Any] | None:
        if self.recipe != "lora":
            return None
        cfg = {k: v for k, v in dict(self.params.get("lora") or {}).items() if v is not None}
        cfg.setdefault("target_modules", CHRONOS2_LORA_TARGETS)
        return cfg


class _quiet(warnings.catch_warnings):
    """Silence the pipelines' 'prediction length > native length' advice (it is intended)."""

    def __enter__(self) -> None:
        super().__enter__()
        warnings.filterwarnings("ignore", message=".*prediction length.*")
        warnings.filterwarnings("ignore", message=".*prediction_length.*")


def _drop_length_advice(record: logging.LogRecord) -> bool:
    return "keeping prediction length" not in str(record.msg)


def _silence_length_advice() -> None:
    """The original Chronos logs the same advice through loggers named after its files."""
    from chronos import chronos as original, chronos_bolt

    for module in (original, chronos_bolt):
        log = logging.getLogger(module.__file__)
        if _drop_length_advice not in log.filters:
            log.addFilter(_drop_length_advice)

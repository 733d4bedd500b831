"""TimesFM 2.5 adapter (``timesfm[torch]``), zero-shot.

The checkpoint folder (hub snapshot or local) holds ``model.safetensors`` and ``config.json``.
A ``timesfm_definition`` entry in config.json (keys of :data:`DEFINITION_KEYS`) changes the
architecture's sizes before the module is built, which is how smaller TimesFM 2.5 variants
(and the tests' tiny one) load through the same path. The package has no fine-tuning API, so
only the ``zero-shot`` recipe is offered.
"""
from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Mapping
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

#: architecture sizes a checkpoint's config.json may override (``timesfm_definition``)
DEFINITION_KEYS = ("model_dims", "hidden_dims", "num_layers", "num_heads", "output_quantile_len")
#: ForecastConfig flags as recommended for TimesFM 2.5, except ``infer_is_positive``: the
#: harness hands standardized series, whose sign means nothing
FORECAST_FLAGS: dict[str, Any] = {"normalize_inputs": True, "use_continuous_quantile_head": True,
                                  "force_flip_invariance": True, "infer_is_positive": False,
                                  "fix_quantile_crossing": True}


def timesfm_module(definition: Mapping[str, int] | None = None) -> Any:
    """A TimesFM 2.5 torch module, with the sizes in ``definition`` (default: the 200M model)."""
    from timesfm.configs import ResidualBlockConfig
    from timesfm.timesfm_2p5 import timesfm_2p5_torch as tt

    base_cls = tt.TimesFM_2p5_200M_torch_module
    if not definition:
        return base_cls()
    unknown = sorted(set(definition) - set(DEFINITION_KEYS))
    if unknown:
        raise ConfigError(f"unknown timesfm_definition key(s) {unknown}",
                          f"known keys: {', '.join(DEFINITION_KEYS)}")
    d = base_cls.config
    xf = d.stacked_transformers.transformer
    md = int(definition.get("model_dims", xf.model_dims))
    q = len(d.quantiles) + 1
    osl = int(definition.get("output_quantile_len", d.output_quantile_len))
    xf = dataclasses.replace(xf, model_dims=md,
                             hidden_dims=int(definition.get("hidden_dims", md)),
                             num_heads=int(definition.get("num_heads", xf.num_heads)))
    stack = dataclasses.replace(d.stacked_transformers, transformer=xf,
                                num_layers=int(definition.get("num_layers",
                                                              d.stacked_transformers.num_layers)))

    def block(inp: int, out: int, bias: bool) -> ResidualBlockConfig:
        return ResidualBlockConfig(input_dims=inp, hidden_dims=md, output_dims=out,
                                   use_bias=bias, activation="swish")

    config = dataclasses.replace(
        d, output_quantile_len=osl, stacked_transformers=stack,
        tokenizer=block(2 * d.input_patch_len, md, True),
        output_projection_point=block(md, d.output_patch_len * q, False),
        output_projection_quantiles=block(md, osl * q, False))
    cls = type("TimesFM_2p5_torch_module", (base_cls,), {"config": config})
    return cls()


@dataclasses.dataclass
class TimesFMParams(WindowParams):
    """TimesFM 2.5 zero-shot forecasting."""

    model_id: Optional[str] = param("google/timesfm-2.5-200m-pytorch")
    forecast_flags: dict[str, Any] = param({}, "ForecastConfig flags (over the defaults in "
                                               "FORECAST_FLAGS)")
    torch_compile: bool = param(False, "compile the model with torch.compile")


class TimesFM(WindowForecaster):
    """TimesFM 2.5 (torch) by hub id or local folder; zero-shot median (or mean) forecasts.

    Params (besides those of WindowForecaster): ``forecast_flags`` (ForecastConfig flags over
    :data:`FORECAST_FLAGS`), ``torch_compile``.
    """

    extra: ClassVar[str | None] = "timeseries"
    description: ClassVar[str] = "TimesFM 2.5 torch (timesfm[torch]), zero-shot"

    recipes: ClassVar[frozenset[str]] = frozenset({"zero-shot"})
    pretraining_data: ClassVar[str | None] = (
        "about 100B time points: Google Trends, Wiki pageviews, synthetic and public series "
        "(Das et al. 2024; TimesFM 2.5 extends the corpus)")
    Params: ClassVar[type[MethodParams]] = TimesFMParams
    params: TimesFMParams

    def __init__(self, spec: "TaskSpec", params: dict[str, Any], ctx: "RunContext") -> None:
        super().__init__(spec, params, ctx)
        unknown = sorted(set(self.params.forecast_flags or {}) - set(FORECAST_FLAGS))
        if unknown:
            raise ConfigError(f"unknown forecast_flags {unknown}",
                              f"known: {', '.join(FORECAST_FLAGS)}")
        self.wrapper: Any = None
        self.model: Any = None
        self._compiled_for: tuple[int, int] | None = None

    def load(self) -> Any:
        """Resolve ``model_id`` and build the TimesFM wrapper with its weights on the device."""
        import timesfm
        import torch
        from safetensors.torch import load_file

        folder = self.load_source()
        weights = folder / "model.safetensors"
        if not weights.is_file():
            raise ConfigError(f"{folder} holds no model.safetensors",
                              "point model_id at a TimesFM 2.5 torch checkpoint "
                              "(e.g. google/timesfm-2.5-200m-pytorch)")
        module = timesfm_module(_definition(folder))
        try:
            module.load_state_dict(load_file(str(weights)), strict=True)
        except RuntimeError as exc:
            raise ConfigError(f"{weights} does not match the TimesFM 2.5 architecture: "
                              f"{str(exc)[:300]}",
                              "give a TimesFM 2.5 checkpoint; other sizes need their "
                              "timesfm_definition in config.json") from exc
        device = torch.device(self.ctx.device)
        module.to(device).eval()
        module.device, module.device_count = device, 1
        if self.params.torch_compile:
            module.forward = torch.compile(module.forward)
        wrapper = timesfm.TimesFM_2p5_200M_torch.__new__(timesfm.TimesFM_2p5_200M_torch)
        wrapper.model, wrapper.torch_compile = module, bool(self.params.torch_compile)
        self.wrapper, self.model, self._compiled_for = wrapper, module, None
        return wrapper

    def _compile(self, length: int, horizon: int) -> None:
        key = (length, horizon)
        if self._compiled_for == key:
            return
        import timesfm

        m = self.model
        max_context = math.ceil(length / m.p) * m.p
        max_horizon = math.ceil(horizon / m.o) * m.o
        if max_context + max_horizon > m.config.context_limit:
            raise ConfigError(f"lookback {length} + horizon {horizon} exceed TimesFM's context "
                              f"limit {m.config.context_limit}", "use a shorter lookback")
        flags = {**FORECAST_FLAGS, **dict(self.params.forecast_flags or {})}
        if max_horizon > m.os:  # the continuous quantile head covers os steps only
            flags["use_continuous_quantile_head"] = False
        self.wrapper.compile(timesfm.ForecastConfig(
            max_context=max_context, max_horizon=max_horizon,
            per_core_batch_size=int(self.params.batch_size), **flags))
        self._compiled_for = key

    def forecast_series(self, series: np.ndarray, horizon: int) -> np.ndarray:
        self._compile(series.shape[1], horizon)
        point, quantiles = self.wrapper.forecast(horizon=horizon, inputs=list(series))
        out = point if self.params.point == "median" else quantiles[..., 0]
        return np.asarray(out, dtype=np.float32)

    def fit(self, train: SeriesSplit, val: SeriesSplit) -> FitReport:
        self.check_splits(train, val)
        started = time.perf_counter()
        self.load()
        return self.fit_report(**self.zero_shot_fit(val, started),
                               extra={"definition": _definition(self.source)})


def _definition(folder: Path | None) -> dict[str, int] | None:
    config = Path(folder or ".") / "config.json"
    if not config.is_file():
        return None
    try:
        return json.loads(config.read_text()).get("timesfm_definition") or None
    except ValueError as exc:
        raise ConfigError(f"{config} is not valid JSON: {exc}", "re-download the model") from exc

"""Fixture generator: tiny, randomly initialised time-series FM checkpoints in their real format.

Each ``write_*`` function builds the real model class of a family from a tiny config, saves it
with ``save_pretrained`` into ``folder`` and returns the folder, which the adapters then load
exactly as they load a downloaded hub snapshot (``model_id=<folder>``). Reusable by other tests
(demo, sweep): ``from tests.fms.tiny_models import write_chronos_bolt``, or run
``python tests/fms/tiny_models.py OUT_DIR`` to write all four.
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

QUANTILES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
#: tiny native horizons, so that test horizons beyond them exercise the long-horizon paths
BOLT_PREDICTION_LENGTH = 8
T5_PREDICTION_LENGTH = 6
CHRONOS2_OUTPUT_PATCH = 4        # Chronos-2 native horizon = patch * max_output_patches = 8
TIMESFM_OUTPUT_PATCH = 128       # TimesFM 2.5 geometry is kept: 32-step input, 128-step output


def _t5_dims(seed: int) -> dict[str, int]:
    import torch
    torch.manual_seed(seed)
    return {"d_model": 32, "d_kv": 8, "d_ff": 64, "num_layers": 1, "num_decoder_layers": 1,
            "num_heads": 4}


def write_chronos_bolt(folder: Path | str, seed: int = 0) -> Path:
    """A Chronos-Bolt checkpoint (ChronosBoltModelForForecasting, T5 encoder-decoder)."""
    from chronos.chronos_bolt import ChronosBoltModelForForecasting
    from transformers import T5Config

    cfg = T5Config(**_t5_dims(seed), vocab_size=2, pad_token_id=0, decoder_start_token_id=0,
                   feed_forward_proj="relu", dropout_rate=0.0)
    cfg.chronos_config = {"context_length": 64, "prediction_length": BOLT_PREDICTION_LENGTH,
                          "input_patch_size": 8, "input_patch_stride": 8,
                          "quantiles": QUANTILES, "use_reg_token": True}
    cfg.chronos_pipeline_class = "ChronosBoltPipeline"
    cfg.architectures = ["ChronosBoltModelForForecasting"]
    model = ChronosBoltModelForForecasting(cfg).eval()
    return _save(model, folder)


def write_chronos_t5(folder: Path | str, seed: int = 0) -> Path:
    """An original Chronos checkpoint (T5ForConditionalGeneration over MeanScaleUniformBins)."""
    from transformers import GenerationConfig, T5Config, T5ForConditionalGeneration

    n_tokens = 64
    cfg = T5Config(**_t5_dims(seed), vocab_size=n_tokens, pad_token_id=0, eos_token_id=1,
                   decoder_start_token_id=0, feed_forward_proj="relu", dropout_rate=0.0)
    cfg.chronos_config = {
        "tokenizer_class": "MeanScaleUniformBins",
        "tokenizer_kwargs": {"low_limit": -15.0, "high_limit": 15.0},
        "context_length": 64, "prediction_length": T5_PREDICTION_LENGTH,
        "n_tokens": n_tokens, "n_special_tokens": 2, "pad_token_id": 0, "eos_token_id": 1,
        "use_eos_token": True, "model_type": "seq2seq", "num_samples": 5,
        "temperature": 1.0, "top_k": 50, "top_p": 1.0,
    }
    cfg.chronos_pipeline_class = "ChronosPipeline"
    cfg.architectures = ["T5ForConditionalGeneration"]
    model = T5ForConditionalGeneration(cfg).eval()
    model.generation_config = GenerationConfig(decoder_start_token_id=0, pad_token_id=0,
                                               eos_token_id=1)
    return _save(model, folder)


def write_chronos2(folder: Path | str, seed: int = 0) -> Path:
    """A Chronos-2 checkpoint (Chronos2Model with group attention)."""
    import torch
    from chronos.chronos2 import Chronos2Model
    from chronos.chronos2.config import Chronos2CoreConfig

    torch.manual_seed(seed)
    cfg = Chronos2CoreConfig(d_model=32, d_kv=8, d_ff=64, num_layers=1, num_heads=4,
                             dropout_rate=0.0)
    cfg.chronos_config = {"context_length": 64, "output_patch_size": CHRONOS2_OUTPUT_PATCH,
                          "input_patch_size": CHRONOS2_OUTPUT_PATCH,
                          "input_patch_stride": CHRONOS2_OUTPUT_PATCH, "quantiles": QUANTILES,
                          "use_reg_token": True, "use_arcsinh": True, "max_output_patches": 2}
    cfg.chronos_pipeline_class = "Chronos2Pipeline"
    cfg.architectures = ["Chronos2Model"]
    model = Chronos2Model(cfg).eval()
    return _save(model, folder)


def tiny_timesfm_definition() -> dict[str, int]:
    """Overrides of TimesFM 2.5's architecture that the adapter reads from config.json."""
    return {"model_dims": 32, "num_layers": 1, "num_heads": 2, "output_quantile_len": 128}


def write_timesfm(folder: Path | str, seed: int = 0) -> Path:
    """A TimesFM 2.5 checkpoint of the real torch classes, with tiny dimensions.

    The folder's config.json carries ``timesfm_definition`` (see
    :func:`sfmbench.fms.timeseries.timesfm.timesfm_module`), which the adapter applies before
    building the module, so the 200M default is never instantiated.
    """
    import torch
    import timesfm
    from sfmbench.fms.timeseries.timesfm import timesfm_module

    torch.manual_seed(seed)
    definition = tiny_timesfm_definition()
    wrapper = timesfm.TimesFM_2p5_200M_torch.__new__(timesfm.TimesFM_2p5_200M_torch)
    wrapper.model = timesfm_module(definition)
    wrapper.torch_compile = False
    wrapper._hub_mixin_config = {"timesfm_definition": definition}
    folder = Path(folder)
    wrapper.save_pretrained(folder)
    return folder


def _save(model: object, folder: Path | str) -> Path:
    folder = Path(folder)
    model.save_pretrained(folder)  # type: ignore[attr-defined]
    return folder


#: name -> writer, for loops in tests and the CLI below
WRITERS: dict[str, Callable[..., Path]] = {
    "chronos-bolt": write_chronos_bolt,
    "chronos-t5": write_chronos_t5,
    "chronos-2": write_chronos2,
    "timesfm": write_timesfm,
}


if __name__ == "__main__":  # pragma: no cover - fixture generation by hand
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tiny-fms")
    for name, writer in WRITERS.items():
        print(writer(out / name))

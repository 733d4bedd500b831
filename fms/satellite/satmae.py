"""SatMAE (Cong, Khanna et al., NeurIPS 2022) fMoW-RGB pretrain as a GeoFM family: the MAE
encoder loaded into timm's ``vit_large_patch16_224``.

What the checkpoint is (``sustainlab-group/SatMAE``):

- README, "fMoW Non-Temporal Checkpoints": ViT-Large, pretrain
  ``https://zenodo.org/record/7369797/files/fmow_pretrain.pth`` (800 epochs).
- ``main_pretrain.py``: a non-temporal, non-group-channel run (``--model_type`` unset) builds
  ``models_mae.mae_vit_large_patch16``: ``MaskedAutoencoderViT`` (the MAE code of
  ``facebookresearch/mae``) with timm's ``PatchEmbed`` and ``Block`` (embed 1024, depth 24,
  16 heads, MLP ratio 4, qkv bias, LayerNorm eps 1e-6), 224 px, patch 16, 3 channels, a fixed
  2-D sin-cos ``pos_embed`` of shape (1, 1 + 14 * 14, 1024) with a class-token slot.
- ``util/misc.py`` ``save_model``: ``{"model": state_dict, "optimizer", "epoch", "scaler",
  "args"}`` (``args`` an ``argparse.Namespace``, admitted by the weights-only unpickler).
- ``main_finetune.py``: ``checkpoint["model"]``, ``interpolate_pos_embed``, then
  ``load_state_dict(strict=False)`` into ``models_vit.VisionTransformer``, a subclass of timm's
  ``VisionTransformer`` adding nothing but pooling: the encoder keys (``patch_embed.proj``,
  ``cls_token``, ``pos_embed``, ``blocks.*``, ``norm``) are timm's. What it leaves unused are the
  MAE decoder and mask token (``models_mae.py``): :data:`DECODER_KEYS` and
  :data:`DECODER_PREFIXES`, dropped here; everything else must load (strict).

Positions: the checkpoint's ``pos_embed`` is resampled to the built model's patch grid with
timm's ``resample_abs_pos_embed`` when the input size differs (as SatMAE's
``interpolate_pos_embed`` does, bicubic).

Not supported: the multispectral SatMAE (``models_vit_group_channels.py``, Zenodo 7338613):
one patch embedding per channel group (``patch_embed.0.proj`` ...), a ``channel_embed`` and a
``pos_embed`` narrower than the width; and the temporal one (``models_vit_temporal.py``), with
its own time encodings. Neither is a timm ViT; their checkpoints are refused by name.
"""
from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

from torch import nn

from sfmbench import download
from sfmbench.errors import ConfigError

#: the published fMoW-RGB ViT-L/16 MAE pretrain (SatMAE README)
FMOW_PRETRAIN_URL = "https://zenodo.org/record/7369797/files/fmow_pretrain.pth"
#: sha256 of the published files, when known (Zenodo lists md5 sums only; none verified here)
KNOWN_SHA256: dict[str, str | None] = {FMOW_PRETRAIN_URL: None}
#: MAE decoder parameters and the mask token (models_mae.py), unused by an encoder
DECODER_KEYS = frozenset({"mask_token", "decoder_pos_embed"})
DECODER_PREFIXES = ("decoder_embed.", "decoder_blocks.", "decoder_norm.", "decoder_pred.")
#: keys only the multispectral group-channel model has (models_vit_group_channels.py)
GROUP_CHANNEL_KEYS = frozenset({"channel_embed", "channel_cls_embed", "patch_embed.0.proj.weight"})
#: where downloaded checkpoints are kept, under the data cache
CACHE = Path("models") / "satmae"


def locate_checkpoint(model_id: str, weights_file: str, progress: bool = False) -> Path | None:
    """``model_id`` as a URL (downloaded once into the data cache, checked against
    :data:`KNOWN_SHA256` when known) or a local checkpoint file; None for a folder or hub id
    (then ``weights_file`` is looked up there as for every family)."""
    if urlparse(model_id).scheme in ("http", "https"):
        name = weights_file or PurePosixPath(urlparse(model_id).path).name
        return download.ensure_file(CACHE / name, model_id, KNOWN_SHA256.get(model_id),
                                    progress=progress)
    path = Path(model_id).expanduser()
    return path if path.is_file() else None


def satmae_state(state: dict[str, Any], model: nn.Module) -> dict[str, Any]:
    """The encoder state of a SatMAE MAE checkpoint for ``model`` (a timm ViT): the ``model``
    entry unwrapped, decoder and mask-token keys dropped, ``pos_embed`` resampled to the
    model's patch grid. Other keys are kept (and refused by ``load_state`` if they do not fit)."""
    if isinstance(state.get("model"), dict):
        state = state["model"]
    group = sorted(GROUP_CHANNEL_KEYS & set(state))
    if group:
        raise ConfigError(f"this is a multispectral (group-channel) SatMAE checkpoint (keys "
                          f"{group}); it is not a timm ViT and is not supported",
                          "use the fMoW-RGB pretrain (conf/model/satmae-large-rgb.yaml)")
    out = {k: v for k, v in state.items()
           if k not in DECODER_KEYS and not k.startswith(DECODER_PREFIXES)}
    pos, target = out.get("pos_embed"), getattr(model, "pos_embed", None)
    if pos is not None and target is not None and pos.shape != target.shape:
        out["pos_embed"] = _resample(pos, model)
    return out


def _resample(pos: Any, model: nn.Module) -> Any:
    from timm.layers import resample_abs_pos_embed

    prefix = int(getattr(model, "num_prefix_tokens", 1))
    old = int(round((pos.shape[1] - prefix) ** 0.5))
    if old * old + prefix != pos.shape[1]:
        raise ConfigError(f"SatMAE pos_embed of shape {tuple(pos.shape)} is not a square grid "
                          f"plus {prefix} class token(s)", "is this a SatMAE MAE checkpoint?")
    grid = list(model.patch_embed.grid_size)
    return resample_abs_pos_embed(pos, new_size=grid, old_size=[old, old],
                                  num_prefix_tokens=prefix)


__all__ = ["DECODER_KEYS", "DECODER_PREFIXES", "FMOW_PRETRAIN_URL", "KNOWN_SHA256",
           "locate_checkpoint", "satmae_state"]

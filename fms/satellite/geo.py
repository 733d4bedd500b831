"""Image foundation models of remote sensing, over torchgeo's pretrained weights and timm.

One adapter (:class:`GeoFM`) serves every family; a model YAML picks the family, the
architecture, the checkpoint and the bands the weights were pretrained on:

==========  ==========================================  ==========================================
family      architecture (builder)                      published weights (torchgeo enums)
==========  ==========================================  ==========================================
resnet      timm ``resnet18``/``resnet50``               SSL4EO-S12 MoCo, DINO (13 S2 bands)
vit         timm ``vit_small_patch16_224``               SSL4EO-S12 MoCo, DINO, MAE (13 S2 bands)
swin        torchvision ``swin_v2_b`` (torchgeo)         Satlas Sentinel-2 (9 bands or RGB)
scalemae    torchgeo ``ScaleMAE`` (a timm ViT)           Scale-MAE fMoW RGB
dofa        torchgeo ``DOFA`` (wavelength-conditioned)   DOFA (any bands with known wavelengths)
croma       torchgeo ``CROMA``, one encoder (:mod:`.croma`)  CROMA optical (12 S2 bands, no B10) or
                                                        radar (VV, VH) encoder
satmae      timm ``vit_large_patch16_224``                SatMAE fMoW RGB MAE pretrain (Zenodo URL
            (:mod:`.satmae`)                            or a local .pth; decoder keys dropped)
==========  ==========================================  ==========================================

Checkpoint: ``model_id`` is a Hugging Face hub repo (``torchgeo/resnet18_sentinel2_all_moco``)
at ``revision`` or a local folder, holding ``weights_file`` (a torch state dict, as torchgeo
publishes it). The state dict must fit the architecture: no unexpected key, and only the
family's classification-head keys may be missing (CROMA: per-part checkpoints, see
:mod:`.croma`).

Band mapping (explicit): the model's input channel i takes the task band named ``bands[i]``
(names compared as Sentinel-2 style band ids: ``B02`` = ``B2``, ``B8a`` = ``B8A``; a task
without ``B4``/``B3``/``B2`` feeds them from its colour bands ``R``/``G``/``B`` or Landsat-8's
``L8_B4``/``L8_B3``/``L8_B2``), or the task band ``band_map[bands[i]]`` when given. The fit
report's ``band_map`` shows the mapping used, by name. A model band the task lacks is filled
with zeros - the training mean, as tasks standardize bands on train (``missing_bands: zero``;
``error`` refuses instead); task bands the model was not pretrained on are dropped. A task
without band names must have exactly the model's channel count (taken in order), or a
``band_map`` naming its channels ``band0``, ``band1``, .... DOFA takes every task band whose
wavelength it knows. Input size: images are resized (bilinear) to ``input_size`` (null = the
family's pretraining size; ResNets keep the task's size).

Recipes (tuned on validation with the budget's counts, like DASHA): ``frozen`` (features
extracted once, a linear head trained on them), ``full``, ``lora`` (``peft`` adapters on the
family's layers). Classification and multi-label tasks: a linear head on pooled features.
Segmentation (resnet, vit, swin, croma, satmae): a light decoder over the encoder's feature maps
(:mod:`.segmentation`); ``frozen`` trains the decoder over the frozen encoder (kept in eval mode).

Not provided: Prithvi (in torchgeo only from 0.11, unreleased) and the temporal and multispectral SatMAE models
(not timm ViTs: see :mod:`.satmae`).
"""
from __future__ import annotations

import copy
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Optional

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from sfmbench.codecs.bands import band_id, stand_ins
from sfmbench.data import ArrayInputs, ArraySplit
from sfmbench.errors import ConfigError, DataError, PluginError, SfmbenchError
from sfmbench.method import FitReport
from sfmbench.params import MethodParams, param
from sfmbench.specs import ProblemType, TaskSpec

from ..base import TUNED_BUDGET_PARAMS, FoundationModel, TunedFMParams
from .families import FAMILIES, Family
from .segmentation import FEATURE_MAPS, Segmenter, decoder_factory

if TYPE_CHECKING:
    from sfmbench.context import RunContext

#: central wavelengths (micrometres) of the band names tasks use, for DOFA: Sentinel-2 MSI,
#: aerial RGB + NIR (taken as S2's), Landsat-8 OLI (``L8_*``, USGS band designations). Landsat's
#: thermal bands (10.9 and 12.0 um) are left out: far beyond DOFA's pretraining wavelengths
#: (0.4-2.5 um optical), DOFA skips them as it skips any band it knows no wavelength of
S2_WAVELENGTHS: dict[str, float] = {
    "B1": 0.443, "B2": 0.490, "B3": 0.560, "B4": 0.665, "B5": 0.705, "B6": 0.740, "B7": 0.783,
    "B8": 0.842, "B8A": 0.865, "B9": 0.945, "B10": 1.375, "B11": 1.610, "B12": 2.190,
    "R": 0.665, "G": 0.560, "B": 0.490, "RED": 0.665, "GREEN": 0.560, "BLUE": 0.490,
    "NIR": 0.842,
    "L8_B1": 0.443, "L8_B2": 0.482, "L8_B3": 0.562, "L8_B4": 0.655, "L8_B5": 0.865,
    "L8_B6": 1.609, "L8_B7": 2.201, "L8_B8": 0.590, "L8_B9": 1.374,
}


#: task bands that feed a model's red/green/blue band when the task lacks the Sentinel-2 band
#: itself: aerial colour bands (GEO-Bench R, G, B) and Landsat-8's red, green, blue
def source_band(model_band: str, task_bands: list[str]) -> str:
    """The task band feeding ``model_band`` (ids as :func:`band_id` gives them): the same band,
    else a band of another sensor that stands in for it (:mod:`sfmbench.codecs.bands`);
    unchanged when the task has neither."""
    return next((a for a in stand_ins(model_band) if a in task_bands), model_band)


def task_band_names(value: Any) -> list[str]:
    """A task's ``spec.extra['bands']`` as names: a list, or a band selection string as GEO-Bench
    tasks give it (``B02,B03``; ``rgb`` = red, green, blue = ``B4, B3, B2``; ``all``: none)."""
    if isinstance(value, str):
        v = value.strip().lower()
        return [] if v in ("", "all") else ["B4", "B3", "B2"] if v == "rgb" else \
            [b.strip() for b in value.split(",") if b.strip()]
    return [str(b) for b in (value or [])]


# ----------------------------------------------------------------------------------------------
# the encoder (the architecture families are in :mod:`.families`)
# ----------------------------------------------------------------------------------------------
class GeoEncoder(nn.Module):
    """Band selection, resizing and the backbone: (B, C_task, H, W) -> (B, D) features."""

    def __init__(self, backbone: nn.Module, family: str, index: list[int | None],
                 size: int | None, wavelengths: list[float] | None = None) -> None:
        super().__init__()
        self.backbone, self.family, self.size = backbone, family, size
        self.register_buffer("take", torch.tensor([-1 if i is None else i for i in index]),
                             persistent=False)
        self.wavelengths = wavelengths

    def prepare(self, x: torch.Tensor) -> torch.Tensor:
        zero = torch.zeros_like(x[:, :1])
        x = torch.cat([x, zero], 1)[:, self.take]          # index -1 = the zero channel
        if self.size is not None and tuple(x.shape[-2:]) != (self.size, self.size):
            x = F.interpolate(x, size=(self.size, self.size), mode="bilinear",
                              align_corners=False)
        return x

    def feature_maps(self, x: torch.Tensor) -> list[torch.Tensor]:
        """(B, C_task, H, W) -> the family's (B, C_i, h_i, w_i) maps, for segmentation."""
        return FEATURE_MAPS[self.family](self.backbone, self.prepare(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.prepare(x)
        if self.family == "dofa":
            return self.backbone.forward_features(x, self.wavelengths)
        if self.family == "swin":
            b = self.backbone
            return b.flatten(b.avgpool(b.permute(b.norm(b.features(x)))))
        return self.backbone(x)


class Classifier(nn.Module):
    def __init__(self, encoder: nn.Module, head: nn.Module) -> None:
        super().__init__()
        self.encoder, self.head = encoder, head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(x))


def load_state(model: nn.Module, weights: Path, allowed_missing: frozenset[str],
               convert: Callable[[dict[str, Any], nn.Module], dict[str, Any]] | None = None,
               safe_globals: tuple[type, ...] = ()) -> None:
    """Load a published state dict: nothing unexpected, only head keys may be missing.
    ``safe_globals``: plain-data classes the checkpoint may hold besides tensors (SatMAE's
    training checkpoints keep their ``argparse.Namespace``); nothing else is unpickled."""
    try:
        with torch.serialization.safe_globals(list(safe_globals)):
            state = torch.load(weights, map_location="cpu", weights_only=True)
    except Exception as exc:   # torch raises several types for corrupt files
        raise ConfigError(f"cannot read {weights}: {exc}",
                          "weights_file must be a torch state dict") from exc
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if convert is not None and isinstance(state, dict):
        state = convert(state, model)
    missing, unexpected = model.load_state_dict(state, strict=False)
    bad_missing = sorted(set(missing) - allowed_missing)
    if bad_missing or unexpected:
        raise PluginError(f"{weights.name} does not fit the architecture: missing "
                          f"{bad_missing[:5]}, unexpected {sorted(unexpected)[:5]}",
                          "check the model YAML's arch, arch_kwargs and bands (in_chans) "
                          "against the checkpoint")


# ----------------------------------------------------------------------------------------------
# the adapter
# ----------------------------------------------------------------------------------------------
@dataclass
class GeoFMParams(TunedFMParams):
    """A pretrained image encoder: checkpoint, family and architecture, band mapping, and the
    budget's tuning counts (the same as DASHA's)."""

    model_id: Optional[str] = param("torchgeo/resnet18_sentinel2_all_moco",
                                    "hub repo (or a local folder) holding weights_file")
    weights_file: Optional[str] = param("resnet18_sentinel2_all_moco-59bfdff9.pth",
                                        "the torch state dict in model_id")
    family: str = param("resnet", "encoder family (sfmbench.fms.satellite.families.FAMILIES)")
    arch: str = param("resnet18", "architecture name within the family (e.g. a timm name)")
    arch_kwargs: dict[str, Any] = param({}, "keyword arguments of the architecture")
    bands: list[str] = param(["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9",
                              "B10", "B11", "B12"], "the model's input bands, in channel order")
    band_map: dict[str, Any] = param({}, "model band -> task band, where names differ")
    missing_bands: str = param("zero", "a model band the task lacks: zero (filled) or error")
    input_size: Optional[int] = param(None, "image side the inputs are resized to (null = the "
                                            "family's pretraining size)")
    recipe: str = param("frozen", "fine-tuning recipe: frozen, full or lora")
    batch_size: int = param(32, "training batch size")
    eval_batch_size: int = param(64, "batch size of validation and test predictions")
    decoder_width: int = param(64, "segmentation: channels of the decoder")


class GeoFM(FoundationModel):
    """A pretrained remote-sensing image encoder with a linear head (classification,
    multi-label) or a light decoder (segmentation)."""

    extra: ClassVar[str | None] = "satellite"
    description: ClassVar[str] = (
        "remote-sensing image encoders over torchgeo weights and timm (SSL4EO-S12 ResNet/ViT "
        "MoCo, DINO, MAE; Satlas Swin; Scale-MAE; DOFA; CROMA; SatMAE RGB); explicit band mapping; "
        "linear head, or a light decoder for segmentation; recipes frozen, full, lora"
    )

    problems: ClassVar[frozenset[ProblemType]] = frozenset(
        {ProblemType.CLASSIFICATION, ProblemType.MULTILABEL, ProblemType.SEGMENTATION})
    domains: ClassVar[frozenset[str]] = frozenset({"satellite"})
    recipes: ClassVar[frozenset[str]] = frozenset({"frozen", "full", "lora"})
    pretraining_data: ClassVar[str | None] = (
        "per checkpoint (model YAML): e.g. SSL4EO-S12 251k Sentinel-2 locations x 4 seasons; "
        "SatlasPretrain 302M labels; DOFA 5 sensors; CROMA SSL4EO-S12 radar-optical pairs")
    Params: ClassVar[type[MethodParams]] = GeoFMParams
    budget_params: ClassVar[dict[str, str]] = TUNED_BUDGET_PARAMS
    SPACES: ClassVar[dict[str, dict[str, list[Any]]]] = {
        "frozen": {"learning_rate": [1e-3, 3e-3, 1e-2], "weight_decay": [0.0, 1e-4, 1e-2]},
        "full": {"learning_rate": [1e-5, 3e-5, 1e-4, 3e-4], "weight_decay": [0.0, 0.01, 0.05]},
        "lora": {"learning_rate": [1e-4, 3e-4, 1e-3], "weight_decay": [0.0, 0.01, 0.05]},
    }

    @classmethod
    def supports(cls, spec: TaskSpec) -> bool:
        return super().supports(spec) and len(spec.input_shape) == 3

    @classmethod
    def supports_params(cls, spec: TaskSpec, params: Mapping[str, Any]) -> bool:
        """Segmentation needs a family with a decoder (:data:`.segmentation.FEATURE_MAPS`)."""
        return (spec.problem is not ProblemType.SEGMENTATION
                or params.get("family") in FEATURE_MAPS)

    def __init__(self, spec: TaskSpec, params: Mapping[str, Any], ctx: RunContext) -> None:
        super().__init__(spec, params, ctx)
        if self.params["family"] not in FAMILIES:
            raise ConfigError(f"unknown satellite FM family {self.params['family']!r}",
                              f"use one of: {', '.join(FAMILIES)}")
        if self.params["missing_bands"] not in ("zero", "error"):
            raise ConfigError(f"missing_bands must be zero or error, got "
                              f"{self.params['missing_bands']!r}")
        self.family = FAMILIES[self.params["family"]]
        self.segment = self.spec.problem is ProblemType.SEGMENTATION
        if self.segment and self.params["family"] not in FEATURE_MAPS:
            raise ConfigError(f"family {self.params['family']!r} has no segmentation decoder",
                              f"segmentation families: {', '.join(FEATURE_MAPS)}")
        self.model: nn.Module | None = None

    # -- band mapping --------------------------------------------------------------------------
    def band_mapping(self) -> tuple[list[int | None], list[float] | None]:
        """Per model input channel, the task band index feeding it (None = zeros); DOFA: the
        task bands it takes and their wavelengths."""
        task_bands = [band_id(b) for b in task_band_names(self.spec.extra.get("bands"))]
        c_task = int(self.spec.input_shape[0])
        if self.family.wavelengths:
            if not task_bands:
                raise DataError(f"task {self.spec.name!r} names no bands; DOFA needs their "
                                "wavelengths", "use a task that declares spec.extra['bands']")
            index = [i for i, b in enumerate(task_bands) if b in S2_WAVELENGTHS]
            if not index:
                raise DataError(f"DOFA knows no wavelength of the bands {task_bands}")
            return index, [S2_WAVELENGTHS[task_bands[i]] for i in index]
        model_bands = [band_id(b) for b in self.params["bands"]]
        if not task_bands and self.params["band_map"]:   # unnamed bands: band0, band1, ...
            task_bands = [band_id(f"band{i}") for i in range(c_task)]
        if not task_bands:
            if c_task != len(model_bands):
                raise DataError(f"task {self.spec.name!r} names no bands and has {c_task} "
                                f"channels; the model takes {len(model_bands)}",
                                "give model.band_map={MODEL_BAND: TASK_BAND} or a task with "
                                "band names")
            return list(range(c_task)), None
        explicit = {band_id(k): band_id(v) for k, v in dict(self.params["band_map"]).items()}
        index: list[int | None] = []
        for band in model_bands:
            source = explicit.get(band) or source_band(band, task_bands)
            index.append(task_bands.index(source) if source in task_bands else None)
        absent = [b for b, i in zip(model_bands, index) if i is None]
        if absent and (self.params["missing_bands"] == "error" or len(absent) == len(index)):
            raise DataError(f"the task lacks the model's band(s) {absent} (task bands: "
                            f"{task_bands})", "map them with model.band_map={MODEL: TASK}, or "
                            "allow zero-filling with model.missing_bands=zero")
        return index, None

    def mapped_bands(self, index: list[int | None]) -> dict[str, str | None]:
        """What :meth:`band_mapping` chose, by name: model band -> the task band feeding it (None:
        zero-filled); DOFA: each task band it takes -> itself."""
        task = task_band_names(self.spec.extra.get("bands")) or \
            [f"band{i}" for i in range(int(self.spec.input_shape[0]))]
        if self.family.wavelengths:
            return {task[i]: task[i] for i in index if i is not None}
        return {str(m): None if i is None else task[i] for m, i in zip(self.params["bands"], index)}

    # -- building ------------------------------------------------------------------------------
    def load_encoder(self) -> GeoEncoder:
        p = self.params
        index, wavelengths = self.band_mapping()
        locate = self.family.locate   # a URL or a file as model_id (SatMAE), else a folder
        weights = locate(str(p["model_id"]), str(p["weights_file"]), self.ctx.show_progress) \
            if locate is not None else None
        if weights is None:
            folder = self.source or self.load_source(allow_patterns=(str(p["weights_file"]),))
            weights = folder / str(p["weights_file"])
        if not weights.is_file():
            raise ConfigError(f"no weights file {p['weights_file']!r} in {folder}",
                              "set model.weights_file to the checkpoint's file name")
        in_chans = len(p["bands"])
        backbone = self.family.build(str(p["arch"]), in_chans, dict(p["arch_kwargs"] or {}))
        load_state(backbone, weights, self.family.head_keys, self.family.convert,
                   self.family.safe_globals)
        if self.params["family"] == "swin":
            backbone.head = nn.Identity()
        size = p["input_size"] or self.family.default_size
        return GeoEncoder(backbone, p["family"], index, size, wavelengths)

    # -- contract ------------------------------------------------------------------------------
    def fit(self, train: ArraySplit, val: ArraySplit) -> FitReport:
        from sfmbench.training import predict_scores

        for name, split in (("train", train), ("validation", val)):
            if not isinstance(split, ArraySplit) or split.x.ndim != 4:
                raise DataError(f"{type(self).__name__} needs (N, C, H, W) images for {name}",
                                "use an image task (sfmbench tasks list 'satellite/*')")
        start = time.perf_counter()
        encoder = self.load_encoder().eval()
        stages = {"load": time.perf_counter() - start}
        train = self.tuning_data(train)
        k = int(self.spec.num_classes or 2)
        with torch.no_grad():
            sample = torch.as_tensor(train.x[:2]).float()
            if self.segment:
                make_head = decoder_factory(encoder.feature_maps(sample), int(sample.shape[-2]),
                                            k, int(self.params["decoder_width"]))
            else:
                dim = int(encoder(sample).shape[-1])
                make_head = lambda: nn.Linear(dim, k)   # noqa: E731
        if self.recipe == "frozen" and not self.segment:
            start = time.perf_counter()
            for p in encoder.parameters():
                p.requires_grad_(False)
            batch = int(self.params["eval_batch_size"])
            e_train = ArraySplit(predict_scores(encoder, train, batch, self.ctx.device), train.y)
            e_val = ArraySplit(predict_scores(encoder, val, batch, self.ctx.device), val.y)
            stages["embed"] = time.perf_counter() - start
            tuned = self.tune(lambda hp, report: self._train(nn.Identity(), make_head, hp,
                                                             e_train, e_val, report),
                              stage="frozen", search_space=self._space(), prune=True)
            head = tuned.artifact if tuned.artifact is not None else \
                self._train(nn.Identity(), make_head, tuned.params, e_train, e_val)[1]
            self.model = Classifier(encoder, head.head)
        else:
            tuned = self.tune(lambda hp, report: self._train(encoder, make_head, hp, train, val,
                                                             report),
                              stage=self.recipe, search_space=self._space(), prune=True)
            self.model = tuned.artifact if tuned.artifact is not None else \
                self._train(encoder, make_head, tuned.params, train, val)[1]
        stages["tune"] = tuned.seconds
        index, _ = self.band_mapping()
        return self.fit_report(best_val_metric=tuned.value, hyperparameters=dict(tuned.params),
                               n_trials=tuned.n_trials, epochs=int(self.params["max_epochs"]),
                               stage_seconds=stages, tune_seconds=tuned.seconds,
                               train_samples=len(train),
                               extra={"family": self.params["family"],
                                      "band_index": index, "band_map": self.mapped_bands(index),
                                      "trials": tuned.history})

    def predict(self, inputs: ArrayInputs) -> np.ndarray:
        from sfmbench.training import predict_scores, scores_to_outputs

        if self.model is None:
            raise SfmbenchError(f"{type(self).__name__}.predict() called before fit()")
        scores = predict_scores(self.model, inputs, int(self.params["eval_batch_size"]),
                                self.ctx.device)
        return scores_to_outputs(scores, self.spec.problem)

    # -- training ------------------------------------------------------------------------------
    def _space(self) -> dict[str, list[Any]]:
        given = dict(self.params.get("search_space") or {})
        return {k: list(v) if isinstance(v, (list, tuple)) else [v]
                for k, v in (given or self.SPACES[self.recipe]).items()}

    def _train(self, encoder: nn.Module, make_head: Callable[[], nn.Module], hp: dict[str, Any],
               train: ArraySplit, val: ArraySplit, report: Any = None
               ) -> tuple[float, nn.Module]:
        from sfmbench.seeding import seed_everything
        from sfmbench.training import TrainConfig
        from sfmbench.training import train as run_training

        seed_everything(self.ctx.seed)
        head = make_head()
        frozen = self.recipe == "frozen"      # a frozen encoder is shared, never trained
        enc = encoder if frozen else copy.deepcopy(encoder)
        if self.recipe == "lora" and not isinstance(enc, nn.Identity):
            lora = dict(self.params.get("lora") or {})
            lora["target_modules"] = lora.get("target_modules") or list(self.family.lora_targets)
            self.params.lora = lora
            enc.backbone = self.apply_recipe(enc.backbone, recipe="lora")
        elif not isinstance(enc, nn.Identity):
            self.apply_recipe(enc, recipe=self.recipe)
        model = Segmenter(enc, head, frozen) if self.segment else Classifier(enc, head)
        trainable = [p for p in model.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(trainable, lr=float(hp.get("learning_rate", 1e-3)),
                                weight_decay=float(hp.get("weight_decay", 0.0)))
        config = TrainConfig(epochs=int(self.params["max_epochs"]),
                             batch_size=int(self.params["batch_size"]),
                             eval_batch_size=int(self.params["eval_batch_size"]),
                             show_progress=self.ctx.show_progress, seed=self.ctx.seed,
                             description=f"{self.params['family']} {self.recipe}")
        result = run_training(model, train, val, self.spec, config, optimizer=opt,
                              device=self.ctx.device, report=report)
        if result.best_score is None or not np.isfinite(result.best_score):
            raise SfmbenchError("training produced no finite validation score",
                                "lower the learning rate")
        return float(result.best_score), model


__all__ = ["FAMILIES", "Family", "GeoEncoder", "GeoFM", "S2_WAVELENGTHS", "band_id",
           "load_state"]

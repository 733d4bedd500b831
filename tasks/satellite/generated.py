"""Generated multispectral patches with planted spatial and spectral patterns
(``generated/sat-*``): classification, multi-label and segmentation, a few seconds each on CPU.

Every class (or label) has a spectral signature (a random unit vector over the bands) and a
shape (a filled square, a ring, a cross or a diagonal bar). A sample is smooth spatially
correlated background noise per band, plus the planted object(s): the shape, at a random
position, in the class's signature scaled by ``signal``. Deterministic given ``data_seed``.

- ``classification``: one object of the sample's class; label = its class.
- ``multilabel``: each label is present with probability 0.35 (at least one); every present
  label plants its object; label = multi-hot vector.
- ``segmentation``: class 0 is background; 1-3 objects of random classes 1..K-1; label =
  per-pixel class of the planted shapes (later objects on top).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from sfmbench.data import TaskData
from sfmbench.errors import ConfigError
from sfmbench.specs import ProblemType, TaskSpec
from sfmbench.task import Task, TaskEntry

from .imaging import image_spec, image_task_data

SHAPES = ("square", "ring", "cross", "bar")


def _shape_mask(shape: str, size: int) -> np.ndarray:
    m = np.zeros((size, size), dtype=bool)
    c = size // 2
    if shape == "square":
        m[:, :] = True
    elif shape == "ring":
        m[:, :] = True
        m[1:-1, 1:-1] = False
    elif shape == "cross":
        m[c - max(1, size // 6): c + max(1, size // 6) + 1, :] = True
        m[:, c - max(1, size // 6): c + max(1, size // 6) + 1] = True
    else:  # bar: the main diagonal, 2 px wide
        idx = np.arange(size)
        m[idx, idx] = True
        m[idx[:-1], idx[1:]] = True
    return m


@dataclass(frozen=True)
class SatConfig:
    problem: str = "classification"
    n_train: int = 600
    n_val: int = 200
    n_test: int = 200
    bands: int = 6
    size: int = 32
    num_classes: int = 4
    object_size: int = 8
    signal: float = 2.5
    noise: float = 1.0
    data_seed: int = 0


def generate(cfg: SatConfig, n: int, rng: np.random.Generator,
             signatures: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``n`` images (n, bands, size, size) and their labels for ``cfg.problem``."""
    from scipy.ndimage import gaussian_filter

    b, s, k, o = cfg.bands, cfg.size, cfg.num_classes, cfg.object_size
    noise = rng.normal(0.0, 1.0, (n, b, s, s))
    x = gaussian_filter(noise, sigma=(0, 0, 1.5, 1.5)) * (cfg.noise * 2.5)
    x += rng.normal(0.0, 0.3 * cfg.noise, (n, b, 1, 1))        # per-image band offsets
    masks = [_shape_mask(SHAPES[c % len(SHAPES)], o) for c in range(k)]

    def plant(i: int, c: int, seg: np.ndarray | None = None) -> None:
        r0, c0 = rng.integers(0, s - o + 1, 2)
        m = masks[c]
        x[i, :, r0:r0 + o, c0:c0 + o] += cfg.signal * signatures[c][:, None, None] * m
        if seg is not None:
            seg[r0:r0 + o, c0:c0 + o][m] = c

    if cfg.problem == "classification":
        y = rng.integers(0, k, n)
        for i in range(n):
            plant(i, int(y[i]))
    elif cfg.problem == "multilabel":
        y = (rng.random((n, k)) < 0.35).astype(np.int64)
        y[np.arange(n), rng.integers(0, k, n)] |= (y.sum(1) == 0)
        for i in range(n):
            for c in np.flatnonzero(y[i]):
                plant(i, int(c))
    else:
        y = np.zeros((n, s, s), dtype=np.int64)
        for i in range(n):
            for _ in range(int(rng.integers(1, 4))):
                plant(i, int(rng.integers(1, k)), y[i])
    return x.astype(np.float32), y


class GeneratedSatelliteTask(Task):
    """A generated multispectral task, e.g. ``generated/sat-cls``."""

    defaults: ClassVar[dict[str, Any]] = {f: getattr(SatConfig, f) for f in
                                        SatConfig.__dataclass_fields__} | {"augment": True}

    def __init__(self, name: str, **params: Any) -> None:
        super().__init__(name, **params)
        fields = {f: self.params[f] for f in SatConfig.__dataclass_fields__}
        try:
            self.cfg = SatConfig(**fields)
            ProblemType(self.cfg.problem)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"task {name!r}: {exc}",
                              "problem is classification, multilabel or segmentation") from exc
        c = self.cfg
        if c.object_size > c.size or min(c.n_train, c.n_val, c.n_test, c.bands) < 1 or \
                c.num_classes < 2:
            raise ConfigError(f"task {name!r}: invalid sizes {c}",
                              "object_size <= size, at least 1 sample per split and band, "
                              "at least 2 classes")

    @property
    def problem(self) -> ProblemType:
        return ProblemType(self.cfg.problem)

    @property
    def spec(self) -> TaskSpec:
        c = self.cfg
        return image_spec(
            self.name, self.problem, (c.bands, c.size, c.size), c.num_classes,
            domain="generated",
            splits=f"generated: {c.n_train} / {c.n_val} / {c.n_test} samples (seed {c.data_seed})",
            source="generated (sfmbench)", license="Apache-2.0",
            description=f"planted spectral signatures and shapes ({c.problem}, {c.bands} bands, "
                        f"{c.size} x {c.size}, {c.num_classes} classes, signal {c.signal})",
            extra={"modality": "satellite", "data_seed": c.data_seed})

    def load(self) -> TaskData:
        c = self.cfg
        rng = np.random.default_rng(c.data_seed)
        sig = rng.normal(size=(c.num_classes, c.bands))
        sig /= np.linalg.norm(sig, axis=1, keepdims=True)
        splits = [generate(c, n, rng, sig) for n in (c.n_train, c.n_val, c.n_test)]
        return image_task_data(*splits, self.problem,
                               bands=tuple(f"band{i}" for i in range(c.bands)),
                               augment=bool(self.params["augment"]),
                               info={"generator": {"signatures": sig.tolist(),
                                                   "shapes": [SHAPES[k % len(SHAPES)] for k in
                                                              range(c.num_classes)]}})


_TINY = {"n_train": 96, "n_val": 48, "n_test": 48, "size": 16, "bands": 4, "object_size": 6}
#: name -> (description, params)
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "sat-cls": ("4 classes, 6 bands, 32 x 32; 600/200/200", {"problem": "classification"}),
    "sat-multilabel": ("4 labels, 6 bands, 32 x 32; 600/200/200", {"problem": "multilabel"}),
    "sat-seg": ("background + 3 classes per pixel, 6 bands, 32 x 32; 400/100/100",
                {"problem": "segmentation", "n_train": 400, "n_val": 100, "n_test": 100}),
    "sat-cls-small": ("4 classes, 4 bands, 16 x 16; 400/200/200 (demo)",
                      {"problem": "classification", "n_train": 400, "n_val": 200, "n_test": 200,
                       "size": 16, "bands": 4, "object_size": 6}),
    "sat-cls-tiny": ("4 classes, 4 bands, 16 x 16; 96/48/48 (tests)",
                     {"problem": "classification", **_TINY}),
    "sat-multilabel-tiny": ("4 labels, 4 bands, 16 x 16; 96/48/48 (tests)",
                            {"problem": "multilabel", **_TINY}),
    "sat-seg-tiny": ("background + 3 classes, 4 bands, 16 x 16; 96/48/48 (tests)",
                     {"problem": "segmentation", **_TINY}),
}


ENTRIES: dict[str, TaskEntry] = {
    f"generated/{name}": TaskEntry(f"{__name__}:GeneratedSatelliteTask", params,
                                   domain="generated", modality="satellite",
                                   problem=params["problem"], tiny=name.endswith("-tiny"),
                                   description="multispectral patches with planted patterns: "
                                               + desc)
    for name, (desc, params) in VARIANTS.items()
}

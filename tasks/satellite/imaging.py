"""What every satellite image task shares: per-band normalization fitted on the training split,
train-only flips and 90-degree rotations, and the spec/TaskData builders.

Normalization: each band is standardized with the mean and standard deviation of the training
split (of the partition in use), the same statistics applied to validation and test.
Augmentation: :class:`FlipRotate` is attached to the training split only
(``ArraySplit.augment``); the training loop applies it to training batches, never to
validation or test inputs.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sfmbench.data import ArraySplit, HeldOut, TaskData
from sfmbench.errors import DataError
from sfmbench.specs import ProblemType, TaskSpec

#: metrics reported per problem (primary first); names from :mod:`sfmbench.metrics`
METRICS: dict[ProblemType, tuple[str, ...]] = {
    ProblemType.CLASSIFICATION: ("accuracy", "f1_macro"),
    ProblemType.MULTILABEL: ("f1_micro", "f1_multilabel_macro", "map_micro", "map_macro"),
    ProblemType.SEGMENTATION: ("miou", "pixel_accuracy"),
    ProblemType.REGRESSION: ("rmse", "r2"),
}
#: smallest standard deviation used when a band is constant on the training split
MIN_STD = 1e-6


@dataclass(frozen=True)
class BandNormalization:
    """Per-band mean and standard deviation, fitted on training images (N, C, H, W)."""

    mean: np.ndarray
    std: np.ndarray
    bands: tuple[str, ...] = ()

    @classmethod
    def fit(cls, x: np.ndarray, bands: tuple[str, ...] = (), chunk: int = 256
            ) -> "BandNormalization":
        if x.ndim != 4 or not len(x):
            raise DataError(f"cannot fit a band normalization on an array of shape {x.shape}",
                            "the training split needs at least one (C, H, W) image")
        n_pix = 0
        total = np.zeros(x.shape[1])
        total_sq = np.zeros(x.shape[1])
        for i in range(0, len(x), chunk):   # float64 sums, chunked: exact and memory-light
            block = np.asarray(x[i:i + chunk], dtype=np.float64)
            total += block.sum(axis=(0, 2, 3))
            total_sq += np.square(block).sum(axis=(0, 2, 3))
            n_pix += block.shape[0] * block.shape[2] * block.shape[3]
        mean = total / n_pix
        std = np.sqrt(np.maximum(total_sq / n_pix - mean ** 2, 0.0))
        return cls(mean, np.maximum(std, MIN_STD), tuple(bands))

    def apply(self, x: np.ndarray, inplace: bool = False) -> np.ndarray:
        """``(x - mean) / std`` per band, as float32; ``inplace`` overwrites a float32 ``x``
        (no second copy of a large split in memory)."""
        if inplace and x.dtype == np.float32 and x.flags.writeable:
            x -= self.mean[None, :, None, None].astype(np.float32)
            x /= self.std[None, :, None, None].astype(np.float32)
            return x
        out = np.asarray(x, dtype=np.float32)
        out = (out - self.mean[None, :, None, None].astype(np.float32)) \
            / self.std[None, :, None, None].astype(np.float32)
        return np.ascontiguousarray(out, dtype=np.float32)

    def to_dict(self) -> dict[str, Any]:
        return {"bands": list(self.bands), "mean": self.mean.tolist(), "std": self.std.tolist(),
                "fitted_on": "train"}


@dataclass
class FlipRotate:
    """Random horizontal/vertical flips and 90-degree rotations of a batch, per sample.

    Called as ``augment(x, y)`` on training batches: ``x`` is (N, C, H, W); ``y`` is transformed
    the same way when it is a segmentation mask (N, H, W), left as it is otherwise. Rotations by
    90 or 270 degrees are used only for square images. Draws from torch's global generator,
    which the training loop seeds.
    """

    segmentation: bool = False
    rotations: bool = True
    flips: bool = True

    def __call__(self, x: Any, y: Any) -> tuple[Any, Any]:
        import torch

        n, square = x.shape[0], x.shape[-1] == x.shape[-2]
        ks = (torch.randint(0, 4 if square else 2, (n,)) * (1 if square else 2)
              if self.rotations else torch.zeros(n, dtype=torch.long))
        flip = torch.rand(n) < 0.5 if self.flips else torch.zeros(n, dtype=torch.bool)
        x = x.clone()
        y = y.clone() if self.segmentation else y
        for k in range(4):
            for f in (False, True):
                idx = torch.nonzero((ks == k) & (flip == f)).flatten()
                if not len(idx) or (k == 0 and not f):
                    continue
                x[idx] = self._op(x[idx], k, f)
                if self.segmentation:
                    y[idx] = self._op(y[idx], k, f)
        return x, y

    @staticmethod
    def _op(t: Any, k: int, flip: bool) -> Any:
        import torch

        if flip:
            t = torch.flip(t, dims=(-1,))
        return torch.rot90(t, k, dims=(-2, -1)) if k else t


def image_task_data(train: tuple[np.ndarray, np.ndarray], val: tuple[np.ndarray, np.ndarray],
                    test: tuple[np.ndarray, np.ndarray], problem: ProblemType, *,
                    bands: tuple[str, ...] = (), augment: bool = True,
                    info: dict[str, Any] | None = None, inplace: bool = False) -> TaskData:
    """Normalize every split with training statistics; attach augmentation to train only.
    ``inplace``: the loader's float32 arrays are normalized in place (large datasets)."""
    norm = BandNormalization.fit(train[0], bands)
    aug = FlipRotate(segmentation=problem is ProblemType.SEGMENTATION) if augment else None
    tr = ArraySplit(norm.apply(train[0], inplace), np.asarray(train[1]), augment=aug)
    va = ArraySplit(norm.apply(val[0], inplace), np.asarray(val[1]))
    te = ArraySplit(norm.apply(test[0], inplace), np.asarray(test[1]))
    out_info = {"normalization": norm.to_dict(),
                "split_sizes": {"train": len(tr), "val": len(va), "test": len(te)},
                "augmentation": repr(aug) if aug else None, **(info or {})}
    return TaskData(train=tr, val=va, test=HeldOut(te.inputs, te.y), info=out_info)


def image_spec(name: str, problem: ProblemType, input_shape: tuple[int, int, int],
               num_classes: int | None, *, primary: str | None = None,
               domain: str = "satellite", **kw: Any) -> TaskSpec:
    """A TaskSpec with the standard metric set of ``problem`` (primary first)."""
    metrics = METRICS[problem]
    primary = primary or metrics[0]
    return TaskSpec(name=name, domain=domain, problem=problem, input_shape=tuple(input_shape),
                    primary_metric=primary, higher_is_better=primary not in ("rmse", "mse", "mae"),
                    metrics=(primary, *[m for m in metrics if m != primary]),
                    num_classes=num_classes, **kw)

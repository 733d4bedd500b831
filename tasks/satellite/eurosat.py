"""EuroSAT-MS (``satellite/eurosat-ms``): 27,000 Sentinel-2 patches, 13 bands at 64 x 64,
10 land-use classes (Helber et al., 2019), through ``torchgeo.datasets.EuroSAT``.

Data: ``task.root`` (default ``<data root>/eurosat``) with torchgeo's files:
``EuroSATallBands.zip`` (or its extracted ``ds/images/remote_sensing/otherDatasets/sentinel_2/
tif/<Class>/*.tif``) and the split lists ``eurosat-{train,val,test}.txt`` (16,200 / 5,400 /
5,400, the splits torchgeo publishes, from Neumann et al. 2019). Missing files are downloaded
through :mod:`sfmbench.download` (resumable) and md5-checked against torchgeo's sums.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from sfmbench import download
from sfmbench.data import TaskData
from sfmbench.errors import DataError
from sfmbench.specs import ProblemType, TaskSpec
from sfmbench.task import Task

from .archives import md5sum
from .imaging import image_spec, image_task_data

N_BANDS, SIZE, N_CLASSES = 13, 64, 10


class EuroSATTask(Task):
    """EuroSAT multispectral land-use classification (13 bands)."""

    defaults: ClassVar[dict[str, Any]] = {"root": None, "augment": True, "download": True}

    @property
    def spec(self) -> TaskSpec:
        return image_spec(
            self.name, ProblemType.CLASSIFICATION, (N_BANDS, SIZE, SIZE), N_CLASSES,
            primary="accuracy",
            splits="torchgeo's eurosat-{train,val,test}.txt (16,200 / 5,400 / 5,400)",
            source="https://github.com/phelber/EuroSAT (copy: hf.co/datasets/torchgeo/eurosat)",
            license="MIT",
            citation="Helber et al., EuroSAT: A Novel Dataset and Deep Learning Benchmark for "
                     "Land Use and Land Cover Classification, IEEE JSTARS 2019",
            description="EuroSAT-MS: 13 Sentinel-2 bands, 64 x 64, 10 land-use classes",
            extra={"modality": "satellite",
                   "normalization": "per band, fitted on the training split"})

    def root(self) -> Path:
        from torchgeo.datasets import EuroSAT

        root = Path(self.params["root"]).expanduser() if self.params["root"] else \
            download.data_root() / "eurosat"
        need = [(f, EuroSAT.url + f, md5) for f, md5 in
                zip(EuroSAT.split_filenames.values(), EuroSAT.split_md5s.values())]
        if not (root / EuroSAT.base_dir).is_dir():
            need.append((EuroSAT.filename, EuroSAT.url + EuroSAT.filename, EuroSAT.md5))
        for name, url, md5 in need:
            path = root / name
            if path.is_file():
                continue
            if not self.params["download"]:
                raise DataError(f"EuroSAT file {name} is not in {root}",
                                f"download {url} to {path}, or set task.root")
            try:
                download.fetch(url, path)
            except DataError as exc:
                raise DataError(f"EuroSAT is not complete in {root} and downloading {name} "
                                f"failed: {exc.message}",
                                f"download {url} to {path} (and the other files of "
                                f"{EuroSAT.url}), or set task.root") from exc
            if md5sum(path) != md5:
                path.unlink()
                raise DataError(f"{name} fails its md5 check", f"retry, or put a verified copy "
                                f"at {path}")
        return root

    def load(self) -> TaskData:
        from torchgeo.datasets import EuroSAT

        root = self.root()
        arrays, classes = [], None
        for split in ("train", "val", "test"):
            ds = EuroSAT(root=str(root), split=split, download=False)
            classes = classes or list(ds.classes)
            x = np.empty((len(ds), N_BANDS, SIZE, SIZE), dtype=np.float32)
            y = np.empty(len(ds), dtype=np.int64)
            for i in range(len(ds)):
                s = ds[i]
                x[i], y[i] = s["image"].numpy(), int(s["label"])
            arrays.append((x, y))
        return image_task_data(*arrays, ProblemType.CLASSIFICATION,
                               bands=tuple(EuroSAT.all_band_names),
                               augment=bool(self.params["augment"]),
                               info={"class_names": classes})

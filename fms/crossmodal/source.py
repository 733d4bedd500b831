"""Source-modality samples for alignment: text through the body's own input embeddings.

The source text is the user's (``source: {kind: file, path: ...}`` for a text file, one sample
per non-empty paragraph; ``{kind: datasets, path/name, split, text_column, label_column}`` for a
``datasets`` dataset, loaded as the user configured it) or, by default, the help topics shipped
with Python (:mod:`pydoc_data.topics`, no network). Texts are tokenized by the body's tokenizer
into chunks of ``chunk_tokens``, passed through the body's embedding layer and mean-pooled over
each chunk: one (d,) vector per chunk. Labels come from the dataset's label column where it has
one, else k-means pseudo-labels. Features are cached per body and source (key: the body's
fingerprint and the source settings) under ``source.cache_dir``, else
``<data root>/cache/crossmodal/`` (the user cache dir when the data root is read-only).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sfmbench.errors import ConfigError, DataError

from .bodies import Body
from .losses import pseudo_labels


@dataclass
class SourceSet:
    """(N, d) features in the body's input-embedding space and (N,) int labels."""

    x: np.ndarray
    y: np.ndarray
    description: str
    labels_from: str              # "dataset" or "k-means"


def _pydoc_texts() -> tuple[list[str], None, str]:
    from pydoc_data.topics import topics
    names = sorted(topics)
    return [topics[n] for n in names], None, f"pydoc_data.topics ({len(names)} topics)"


def _file_texts(path: str) -> tuple[list[str], None, str]:
    p = Path(path).expanduser()
    if not p.is_file():
        raise ConfigError(f"source text file {p} does not exist",
                          "set model.source.path to a UTF-8 text file")
    paragraphs = [t.strip() for t in p.read_text(encoding="utf-8").split("\n\n") if t.strip()]
    if not paragraphs:
        raise DataError(f"source text file {p} holds no text", "give a file with paragraphs")
    return paragraphs, None, f"file {p.name} ({len(paragraphs)} paragraphs)"


def _dataset_texts(cfg: Mapping[str, Any]) -> tuple[list[str], list[Any] | None, str]:
    import datasets

    path = cfg.get("path")
    if not path:
        raise ConfigError("a datasets source needs a path",
                          "set model.source.path (a hub id or a local dataset folder/file type)")
    kwargs = {k: cfg[k] for k in ("name", "data_files", "data_dir") if cfg.get(k)}
    ds = datasets.load_dataset(path, split=cfg.get("split", "train"), **kwargs)
    text_col = cfg.get("text_column", "text")
    if text_col not in ds.column_names:
        raise ConfigError(f"the source dataset has no column {text_col!r}",
                          f"set model.source.text_column to one of {ds.column_names}")
    texts = ds[text_col]
    texts = [" ".join(t) if isinstance(t, list) else str(t) for t in texts]
    label_col = cfg.get("label_column")
    labels = list(ds[label_col]) if label_col else None
    return texts, labels, f"datasets {path} ({len(texts)} rows)"


def _texts(cfg: Mapping[str, Any]) -> tuple[list[str], list[Any] | None, str]:
    kind = cfg.get("kind", "pydoc")
    readers = {"pydoc": lambda: _pydoc_texts(), "file": lambda: _file_texts(cfg.get("path", "")),
               "datasets": lambda: _dataset_texts(cfg)}
    if kind not in readers:
        raise ConfigError(f"unknown source kind {kind!r}", f"use one of {sorted(readers)}")
    return readers[kind]()


def _chunks(tokenizer: Any, texts: list[str], labels: list[Any] | None, size: int
            ) -> tuple[list[list[int]], list[Any] | None]:
    """Token-id chunks of ``size`` (each text split, its label repeated)."""
    ids: list[list[int]] = []
    out_labels: list[Any] | None = [] if labels is not None else None
    for i, text in enumerate(texts):
        tokens = tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]
        for start in range(0, len(tokens), size):
            piece = tokens[start:start + size]
            if len(piece) >= max(4, size // 4):
                ids.append(piece)
                if out_labels is not None:
                    out_labels.append(labels[i])  # type: ignore[index]
    return ids, out_labels


def source_key(body: Body, cfg: Mapping[str, Any]) -> str:
    """Body fingerprint + source settings (+ the text file's bytes): the cache file name."""
    settings = {k: v for k, v in dict(cfg).items() if k != "cache_dir"}
    blob = json.dumps({"body": body.fingerprint(), "source": settings}, sort_keys=True,
                      default=str)
    if cfg.get("kind") == "file" and cfg.get("path") and Path(cfg["path"]).expanduser().is_file():
        blob += hashlib.sha256(Path(cfg["path"]).expanduser().read_bytes()).hexdigest()
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def cache_dir(configured: str | None = None) -> Path | None:
    """Where source features are cached: ``source.cache_dir``, else ``<data root>/cache/
    crossmodal``, else the user cache dir when the data root is read-only; None = nowhere."""
    import os

    import platformdirs

    from sfmbench.download import data_root
    candidates = [Path(configured).expanduser()] if configured else [
        data_root() / "cache" / "crossmodal",
        Path(platformdirs.user_cache_dir("sfmbench")) / "crossmodal"]
    for folder in candidates:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(folder, os.W_OK):
            return folder
    return None


def text_features(body: Body, cfg: Mapping[str, Any], seed: int = 0) -> SourceSet:
    """Source features of ``cfg`` for ``body`` (cached), capped at ``max_samples`` chunks."""
    cfg = {"kind": "pydoc", "chunk_tokens": 64, "max_samples": 5000, "k": 10, **dict(cfg)}
    folder = cache_dir(cfg.get("cache_dir"))
    path = folder / f"{source_key(body, cfg)}.npz" if folder is not None else None
    if path is not None and path.is_file():
        with np.load(path, allow_pickle=False) as z:
            return SourceSet(z["x"], z["y"], str(z["description"]), str(z["labels_from"]))
    from transformers import AutoTokenizer
    try:
        tokenizer = AutoTokenizer.from_pretrained(body.folder)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"the body at {body.folder} has no tokenizer for source text",
                          "save its tokenizer beside the weights (tokenizer.save_pretrained)"
                          ) from exc
    texts, labels, description = _texts(cfg)
    ids, chunk_labels = _chunks(tokenizer, texts, labels, int(cfg["chunk_tokens"]))
    if not ids:
        raise DataError(f"the source {description} gave no text chunks",
                        "use a larger source text or smaller model.source.chunk_tokens")
    rng = np.random.default_rng(seed)
    keep = np.sort(rng.permutation(len(ids))[:int(cfg["max_samples"])])
    feats = []
    for i in keep:
        emb = body.embed_text(torch.tensor([ids[i]]))
        feats.append(emb.mean(1)[0].float().numpy())
    x = np.stack(feats).astype(np.float32)
    if chunk_labels is not None:
        _, y = np.unique(np.asarray([str(chunk_labels[i]) for i in keep]), return_inverse=True)
        labels_from = "dataset"
    else:
        y = pseudo_labels(x, int(cfg["k"]), seed)
        labels_from = "k-means"
    source = SourceSet(x, y.astype(np.int64), description, labels_from)
    if path is not None:
        tmp = path.with_name(path.stem + ".tmp.npz")
        np.savez(tmp, x=source.x, y=source.y, description=description, labels_from=labels_from)
        tmp.replace(path)
    return source


def image_features(body: Body, images: np.ndarray, k: int = 10, seed: int = 0) -> SourceSet:
    """Vision bodies: source images (N, 3, H, W) through the body's patch embedding, token
    mean, k-means labels (used when the user gives source images)."""
    with torch.no_grad():
        out = body.source_embeddings(torch.as_tensor(images).float())
    tokens = out[0] if isinstance(out, tuple) else out
    x = tokens.mean(1).numpy().astype(np.float32)
    return SourceSet(x, pseudo_labels(x, k, seed), f"{len(x)} images", "k-means")

"""Source features: offline default text, a user's file or dataset, cached per body."""
from __future__ import annotations

import numpy as np
import pytest

from sfmbench.errors import ConfigError
from sfmbench.fms.crossmodal import source as source_mod
from sfmbench.fms.crossmodal.bodies import Body


def test_pydoc_default_with_kmeans_labels_and_cache(tiny_bert, tmp_path, monkeypatch):
    body = Body(tiny_bert)
    cfg = {"kind": "pydoc", "chunk_tokens": 16, "max_samples": 80, "k": 4,
           "cache_dir": str(tmp_path / "cache")}
    src = source_mod.text_features(body, cfg)
    assert src.x.shape == (80, body.dim) and src.labels_from == "k-means"
    assert set(np.unique(src.y)) == {0, 1, 2, 3}
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 1
    # the second call reads the cache: no text is read or embedded
    monkeypatch.setattr(source_mod, "_texts", lambda cfg: pytest.fail("cache not used"))
    again = source_mod.text_features(body, cfg)
    np.testing.assert_array_equal(again.x, src.x)
    # another source setting is another cache entry
    monkeypatch.undo()
    source_mod.text_features(body, {**cfg, "max_samples": 40})
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 2


def test_default_cache_lives_under_the_data_root(tiny_bert, tmp_path, monkeypatch):
    monkeypatch.setenv("SFMBENCH_DATA", str(tmp_path / "data"))
    source_mod.text_features(Body(tiny_bert), {"chunk_tokens": 16, "max_samples": 10, "k": 2})
    assert list((tmp_path / "data" / "cache" / "crossmodal").glob("*.npz"))


def test_user_text_file_and_labelled_dataset(tiny_bert, tmp_path):
    body = Body(tiny_bert)
    text = tmp_path / "corpus.txt"
    text.write_text("\n\n".join(f"paragraph {i} about genes and proteins " * 3
                                for i in range(12)))
    src = source_mod.text_features(body, {"kind": "file", "path": str(text), "chunk_tokens": 16,
                                          "k": 3, "cache_dir": str(tmp_path / "c")})
    assert src.description.startswith("file corpus.txt") and len(src.x) >= 12
    csv = tmp_path / "labelled.csv"
    csv.write_text("text,label\n" + "".join(f"sample number {i} of class {i % 2},{i % 2}\n"
                                            for i in range(20)))
    ds = source_mod.text_features(body, {"kind": "datasets", "path": "csv",
                                         "data_files": str(csv), "label_column": "label",
                                         "chunk_tokens": 8, "cache_dir": str(tmp_path / "c")})
    assert ds.labels_from == "dataset" and set(np.unique(ds.y)) == {0, 1}


def test_bad_source_settings(tiny_bert, tmp_path):
    body = Body(tiny_bert)
    with pytest.raises(ConfigError, match="does not exist"):
        source_mod.text_features(body, {"kind": "file", "path": str(tmp_path / "none.txt")})
    with pytest.raises(ConfigError, match="unknown source kind"):
        source_mod.text_features(body, {"kind": "web", "cache_dir": str(tmp_path)})

"""Fixtures: the CSV generator, an empty data cache, the shared data, a local HTTP server."""
from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

from .ts_fixtures import write_series_csv


@pytest.fixture
def series_csv() -> Callable[..., pd.DataFrame]:
    """The CSV generator, for tests that write their own files."""
    return write_series_csv


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty SFMBENCH_DATA cache for this test."""
    root = tmp_path / "cache"
    monkeypatch.setenv("SFMBENCH_DATA", str(root))
    return root


@pytest.fixture
def shared_ltsf(monkeypatch: pytest.MonkeyPatch) -> Path:
    """SFMBENCH_DATA pointed at the shared real data (holds ltsf/ETTh1.csv, ltsf/ETTh2.csv)."""
    shared = os.environ.get("SFMBENCH_SHARED_DATA")
    if not shared or not (Path(shared) / "ltsf" / "ETTh1.csv").is_file():
        pytest.skip("SFMBENCH_SHARED_DATA is unset or has no ltsf/ETTh1.csv")
    monkeypatch.setenv("SFMBENCH_DATA", shared)
    return Path(shared)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_dir(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on 127.0.0.1 serving a fresh folder: (base URL, folder)."""
    root = tmp_path / "served"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def generated_stand_ins_have_no_checksum(monkeypatch: pytest.MonkeyPatch) -> None:
    """The generated files here stand in for canonical LTSF files whose bytes cannot ship with
    the tests: their catalog checksums are lifted (ETTh1/ETTh2 keep theirs: the real files are
    in the shared data, and the checksum tests use them)."""
    import dataclasses

    from sfmbench.tasks.timeseries.catalog import DATASETS

    for name, entry in list(DATASETS.items()):
        if name not in ("ETTh1", "ETTh2"):
            monkeypatch.setitem(DATASETS, name, dataclasses.replace(entry, sha256=None))

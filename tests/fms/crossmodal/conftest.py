"""Fixtures of the cross-modal tests: tiny real HF bodies saved to folders, one torch thread."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .tiny_bodies import write_tiny_bert, write_tiny_vit


@pytest.fixture(autouse=True)
def one_thread(one_torch_thread: None) -> Iterator[None]:
    yield


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_bert(tmp_path_factory.mktemp("bodies") / "bert")


@pytest.fixture(scope="session")
def tiny_vit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_vit(tmp_path_factory.mktemp("bodies") / "vit")

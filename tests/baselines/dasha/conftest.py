"""Fixtures for the DASHA tests."""
from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def one_thread(one_torch_thread: None) -> Iterator[None]:
    yield

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sfmbench import METHODS, TASKS

from . import toy


@pytest.fixture
def toy_registry() -> Iterator[None]:
    toy.register(TASKS, METHODS)
    yield
    for name in ("toy/forecast", "toy/classes"):
        TASKS.unregister(name)
    for name in ("toy-mean", "toy-centroid"):
        METHODS.unregister(name)

"""Shared fixtures: an isolated run directory and store for every test."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# transformers copies remote model code into HF_MODULES_CACHE: keep it out of the user's cache
os.environ.setdefault("HF_MODULES_CACHE", tempfile.mkdtemp(prefix="sfmbench-hf-modules-"))


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own run dir; no test writes to the user's store or cache."""
    monkeypatch.setenv("SFMBENCH_RUN_DIR", str(tmp_path / "runs"))
    monkeypatch.delenv("SFMBENCH_STORAGE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    if "SFMBENCH_DATA" not in os.environ:
        monkeypatch.setenv("SFMBENCH_DATA", str(tmp_path / "data"))


@pytest.fixture
def shared_data() -> Path:
    """The real small data sets (../shared/data), or skip."""
    root = os.environ.get("SFMBENCH_SHARED_DATA")
    if not root or not Path(root).is_dir():
        pytest.skip("SFMBENCH_SHARED_DATA is not set to the shared data folder")
    return Path(root)


@pytest.fixture
def postgres_url() -> str:
    """A fresh, empty PostgreSQL database (SFMBENCH_TEST_POSTGRES_URL, set by .ci/run), or skip."""
    base = os.environ.get("SFMBENCH_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("SFMBENCH_TEST_POSTGRES_URL is not set (.ci/run starts a PostgreSQL server)")
    import uuid

    import sqlalchemy as sa
    name = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return str(sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False))


@pytest.fixture
def one_torch_thread():  # -> Iterator[None]
    """Small nets run faster (and the same every time) on one thread of a busy machine."""
    import torch
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)

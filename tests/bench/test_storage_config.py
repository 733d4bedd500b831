"""`storage=NAME` resolves a conf/storage YAML; URLs pass through; errors say what to set."""
from __future__ import annotations

from pathlib import Path

import pytest

from sfmbench.cli import main
from sfmbench.errors import ConfigError
from sfmbench.storage_config import storage_url


def test_url_passes_through_and_sqlite_is_the_run_dir_file(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SFMBENCH_STORAGE", raising=False)
    assert storage_url("sqlite:////x/y.db") == "sqlite:////x/y.db"
    expected = f"sqlite:///{(tmp_path / 'sfmbench.db').resolve()}"
    assert storage_url(None, tmp_path) == expected
    assert storage_url("sqlite", tmp_path) == expected


def test_named_postgres_reads_its_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SFMBENCH_PG_URL", raising=False)
    with pytest.raises(ConfigError, match="SFMBENCH_PG_URL"):
        storage_url("postgres")
    monkeypatch.setenv("SFMBENCH_PG_URL", "postgresql+psycopg://u@127.0.0.1:5/db")
    assert storage_url("postgres") == "postgresql+psycopg://u@127.0.0.1:5/db"
    # SFMBENCH_STORAGE may name a storage too
    monkeypatch.setenv("SFMBENCH_STORAGE", "postgres")
    assert storage_url(None) == "postgresql+psycopg://u@127.0.0.1:5/db"


def test_unknown_storage_name_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SFMBENCH_STORAGE", raising=False)
    with pytest.raises(ConfigError, match="neither a database URL nor a named storage"):
        storage_url("postgress")


@pytest.mark.postgres
@pytest.mark.usefixtures("toy_registry")
def test_run_with_storage_postgres_stores_there(postgres_url: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from sfmbench.store import Store
    monkeypatch.setenv("SFMBENCH_PG_URL", postgres_url)
    monkeypatch.delenv("SFMBENCH_STORAGE", raising=False)
    assert main(["run", "-q", "task=toy/classes", "model=toy-centroid", "seed=7",
                 "budget=smoke", "storage=postgres"]) == 0
    rows = [r for r in Store(postgres_url).rows() if r["seed"] == 7 and r["task"] == "toy/classes"]
    assert rows and rows[0]["status"] == "ok"

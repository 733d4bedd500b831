"""The result store: atomic rows, no duplicate successes, claims, unreachable databases."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sfmbench.errors import StorageError
from sfmbench.results import ResultRow
from sfmbench.store import Store, default_url


def _row(key: str, status: str = "ok", value: float = 1.0) -> ResultRow:
    return ResultRow(job_key=key, task="t", model="m", kind="baseline", seed=0, status=status,
                     primary_value=value, metrics={"mse": value})


def test_one_ok_row_per_job_and_failed_attempts_kept(tmp_path: Path) -> None:
    s = Store(f"sqlite:///{tmp_path / 'r.db'}")
    assert s.add(_row("a", "failed"))
    assert s.add(_row("a", "failed"))
    assert s.add(_row("a", "ok", 2.0))
    assert not s.add(_row("a", "ok", 3.0))  # a second success is refused, the first kept
    assert s.failed_attempts("a") == 2 and s.has_ok("a")
    assert [r["primary_value"] for r in s.rows()] == [2.0]
    assert len(s.rows(latest=False)) == 3
    assert s.frame()["metrics"].iloc[0] == {"mse": 2.0}


def test_rows_survive_reopen(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    Store(url).add(_row("x"))
    assert Store(url).ok_keys() == {"x"}


def test_claims_exclusive_and_dead_owner_taken_over(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    s = Store(url)
    code = (f"from sfmbench.store import Store; import sys; "
            f"sys.exit(0 if Store({url!r}).claim('job') else 3)")
    # another live process's claim blocks us; once it exits (dies) the claim is taken over
    proc = subprocess.run([sys.executable, "-c", code], timeout=60)
    assert proc.returncode == 0
    assert s.claim("job")  # the claimer's pid is dead now
    other = subprocess.run([sys.executable, "-c", code], timeout=60)
    assert other.returncode == 3  # we (alive) hold it
    s.release("job")


def test_unreachable_database_is_a_clear_error() -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(StorageError) as err:
        Store("postgresql+psycopg://user:secret@127.0.0.1:9/nodb")
    assert "cannot reach database" in str(err.value) and "secret" not in str(err.value)
    assert err.value.hint


def test_malformed_url() -> None:
    with pytest.raises(StorageError, match="malformed database URL"):
        Store("not a url at all")


def test_env_overrides_storage(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SFMBENCH_STORAGE", f"sqlite:///{tmp_path / 'env.db'}")
    assert default_url("elsewhere") == f"sqlite:///{tmp_path / 'env.db'}"

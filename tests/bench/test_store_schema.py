"""Schema upgrades of the result store: a store written by sfmbench 0.1.0 (the committed
fixture) opens with its rows intact, `method` renamed to `model` and the Method class filled in;
optuna's own alembic_version is left alone; a second open changes nothing; a failed upgrade
changes nothing either."""
from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from sfmbench import store_schema
from sfmbench.cli import main
from sfmbench.errors import StorageError
from sfmbench.results import ResultRow
from sfmbench.store import Store, results_table

FIXTURE = Path(__file__).parent / "fixtures" / "store-0.1.0-5fc578a.db"
MODELS = {"last-value", "seasonal-naive", "kmer-logreg"}


def _copy(tmp_path: Path) -> Path:
    """The fixture copied into a run directory (the fixture itself is never opened)."""
    assert FIXTURE.is_file() and FIXTURE.stat().st_size, f"{FIXTURE} is missing from the checkout"
    run_dir = tmp_path / "old-run"
    run_dir.mkdir()
    shutil.copyfile(FIXTURE, run_dir / "sfmbench.db")
    return run_dir / "sfmbench.db"


def _sqlite_read(path: Path, query: str) -> list[tuple]:
    # the committed fixture is opened immutable: no -wal/-shm files, never created or written
    con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True) if path == FIXTURE \
        else sqlite3.connect(path)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def _before(path: Path) -> dict[str, tuple]:
    """job_key -> (task, model name, seed, primary value, Method class), read with sqlite3."""
    rows = _sqlite_read(path, "SELECT job_key, task, method, seed, primary_value, config "
                              "FROM sfmbench_results")
    return {k: (t, m, s, v, json.loads(c)["model"]["method"]) for k, t, m, s, v, c in rows}


def _revision(store: Store) -> str | None:
    """The schema revision stamped in the store's own version table."""
    with store.engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT version_num FROM {store_schema.VERSION_TABLE}")
                            ).scalar()


def _after(store: Store) -> dict[str, tuple]:
    return {r["job_key"]: (r["task"], r["model"], r["seed"], r["primary_value"], r["method"])
            for r in store.rows(latest=False)}


def _old_table(metadata: sa.MetaData) -> sa.Table:
    """The results table as sfmbench 0.1.0 defined it: the model name in `method`."""
    columns = [sa.Column("method" if c.name == "model" else c.name, c.type,
                         primary_key=c.primary_key, autoincrement=c.autoincrement)
               for c in results_table.columns if c.name != "method"]
    table = sa.Table(results_table.name, metadata, *columns)
    sa.Index("ix_results_job_key", table.c.job_key)
    sa.Index("ux_results_ok_job", table.c.job_key, unique=True,
             sqlite_where=table.c.status == "ok", postgresql_where=table.c.status == "ok")
    return table


def _postgres_copy(url: str, path: Path) -> None:
    """The fixture's rows and optuna's version row written into PostgreSQL with the old schema."""
    source = sa.create_engine(f"sqlite:///{path}")
    with source.connect() as conn:
        rows = [{k: v for k, v in r._mapping.items() if k != "id"}   # new ids from the sequence
                for r in conn.execute(sa.select(_old_table(sa.MetaData())))]
        (optuna_version,) = conn.execute(sa.text("SELECT version_num FROM alembic_version")).one()
    source.dispose()
    metadata = sa.MetaData()
    table = _old_table(metadata)
    optuna = sa.Table("alembic_version", metadata,
                      sa.Column("version_num", sa.String(32), primary_key=True))
    target = sa.create_engine(url)
    metadata.create_all(target)
    with target.begin() as conn:
        conn.execute(table.insert(), rows)
        conn.execute(optuna.insert().values(version_num=optuna_version))
    target.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def old_store(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Path]:
    """(URL of a store at revision 0, path of the SQLite copy the expected values come from)."""
    path = _copy(tmp_path)
    if request.param == "sqlite":
        return f"sqlite:///{path}", path
    url = request.getfixturevalue("postgres_url")
    _postgres_copy(url, path)
    return url, path


def _columns(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return {c["name"] for c in sa.inspect(engine).get_columns(results_table.name)}
    finally:
        engine.dispose()


def _optuna_version(url: str) -> list[tuple]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text("SELECT * FROM alembic_version"))]
    finally:
        engine.dispose()


def test_fixture_is_a_revision_0_store() -> None:
    columns = {r[1] for r in _sqlite_read(FIXTURE, "PRAGMA table_info(sfmbench_results)")}
    assert "method" in columns and "model" not in columns
    assert _sqlite_read(FIXTURE, "SELECT version_num FROM alembic_version") == [("v3.2.0.a",)]


def test_old_store_opens_with_its_rows_intact(old_store: tuple[str, Path]) -> None:
    url, path = old_store
    before, optuna_before = _before(path), _optuna_version(url)
    assert len(before) == 3 and {v[1] for v in before.values()} == MODELS
    assert "model" not in _columns(url)

    store = Store(url)
    assert _after(store) == before                   # tasks, names, seeds, values, classes
    assert {v[0] for v in before.values()} == {"generated/ts-ar-24", "generated/dna-motif-tiny"}
    assert {v[4] for v in before.values()} == MODELS  # method = the registered class's name
    assert _revision(store) == store_schema.HEAD
    assert _optuna_version(url) == optuna_before == [("v3.2.0.a",)]
    assert {"model", "method"} <= _columns(url)

    # the partial unique index survived: one ok row per job, failed attempts still allowed
    key = next(iter(before))
    again = ResultRow(job_key=key, task="t", model="m", kind="baseline", seed=0)
    assert not store.add(again)
    again.status = "failed"
    assert store.add(again)
    if url.startswith("sqlite"):
        (sql,) = _sqlite_read(path, "SELECT sql FROM sqlite_master WHERE name='ux_results_ok_job'")
        assert "WHERE status = 'ok'" in sql[0]
    else:
        with store.engine.connect() as conn:
            sql = conn.execute(sa.text("SELECT indexdef FROM pg_indexes "
                                       "WHERE indexname = 'ux_results_ok_job'")).scalar()
        assert "UNIQUE" in sql and "WHERE" in sql and "'ok'" in sql


def test_second_open_is_a_no_op(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    url = f"sqlite:///{path}"
    Store(url).engine.dispose()
    con = sqlite3.connect(path)
    once = list(con.iterdump())
    con.close()
    Store(url).engine.dispose()
    con = sqlite3.connect(path)
    assert list(con.iterdump()) == once
    con.close()


def test_results_and_leaderboard_commands_open_an_old_store(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _copy(tmp_path)
    before = _before(path)
    assert main(["results", "--run-dir", str(path.parent), "--format", "json", "--wide"]) == 0
    records = json.loads(capsys.readouterr().out)
    shown = {(r["task"], r["model"], r["seed"], r["method"]): r["primary_value"]
             for r in records}                        # JSON keeps 10 significant digits
    assert shown == {(t, m, s, c): pytest.approx(v, rel=1e-9)
                     for t, m, s, v, c in before.values()}
    out = tmp_path / "lb"
    assert main(["leaderboard", "--run-dir", str(path.parent), "--out", str(out)]) == 0
    board = (out / "leaderboard.csv").read_text().splitlines()
    assert board[0].split(",")[4] == "model"
    assert {line.split(",")[4] for line in board[1:]} == MODELS


def test_failed_upgrade_raises_and_changes_nothing(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = _copy(tmp_path)
    con = sqlite3.connect(path)
    untouched = list(con.iterdump())
    con.close()
    step = store_schema.STEPS["0"][1]

    def step_then_fail(*args: object) -> None:
        step(*args)                                   # the rename and the fill both ran
        raise RuntimeError("disk full")

    monkeypatch.setitem(store_schema.STEPS, "0", ("1", step_then_fail))
    with pytest.raises(StorageError, match="disk full") as err:
        Store(f"sqlite:///{path}")
    assert str(path) in str(err.value) and "revision 0" in str(err.value)
    con = sqlite3.connect(path)
    assert list(con.iterdump()) == untouched          # rolled back as one transaction
    con.close()
    monkeypatch.setitem(store_schema.STEPS, "0", ("1", step))
    assert {r["model"] for r in Store(f"sqlite:///{path}").rows()} == MODELS


def test_concurrent_openers_upgrade_once(old_store: tuple[str, Path]) -> None:
    url, path = old_store
    before = _before(path)
    code = ("import sys; from sfmbench.store import Store; "
            "print(len(Store(sys.argv[1]).rows()))")
    procs = [subprocess.Popen([sys.executable, "-c", code, url],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [e for _, e in outs]
    assert [o.strip() for o, _ in outs] == ["3", "3", "3"]
    assert _after(Store(url)) == before


def test_newer_revision_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    engine = Store(url).engine
    with engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE {store_schema.VERSION_TABLE} SET version_num = '99'"))
    with pytest.raises(StorageError, match="newer than this sfmbench"):
        Store(url)


def test_new_store_starts_at_head(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    store = Store(url)
    assert _revision(store) == store_schema.HEAD
    assert {"model", "method"} <= _columns(url)
    tables = set(sa.inspect(store.engine).get_table_names())
    assert store_schema.VERSION_TABLE in tables and "alembic_version" not in tables


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_in_memory_stores_open_at_head(url: str) -> None:
    store = Store(url)
    assert store.rows() == [] and store.ok_keys() == set()

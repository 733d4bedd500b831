"""Schema revisions of the result store, upgraded in place with Alembic (no alembic.ini).

The revision is kept in our own version table (:data:`VERSION_TABLE`): the same database holds
optuna's tables and optuna's own ``alembic_version``, which this module never touches. A store
written before revisions existed has no version row; its revision is read off its columns.
Each upgrade runs in one transaction (SQLite included), so a failure leaves the data as it was.

Revisions:

- ``0``: ``method`` holds the model name (sfmbench 0.1.0).
- ``1``: ``model`` holds the model name and ``method`` the registry name of its Method class.
"""
from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from .errors import StorageError
from .redact import redact_url, safe_message

VERSION_TABLE = "sfmbench_alembic_version"
HEAD = "1"
#: a PostgreSQL advisory lock key that serializes concurrent upgraders
_PG_LOCK_KEY = zlib.crc32(b"sfmbench-store-schema")

Step = Callable[[Any, sa.Connection, sa.Table], None]   # (alembic Operations, conn, results)


def _rename_method_to_model(ops: Any, conn: sa.Connection, results: sa.Table) -> None:
    """0 -> 1: ``method`` (the model name) becomes ``model``; a new ``method`` column holds the
    Method class's registry name, taken from each row's stored config where it has one."""
    with ops.batch_alter_table(results.name) as batch:
        batch.alter_column("method", new_column_name="model", existing_type=sa.Text)
    with ops.batch_alter_table(results.name) as batch:
        batch.add_column(sa.Column("method", sa.Text))
    rows = sa.table(results.name, sa.column("id", sa.Integer), sa.column("config", sa.JSON),
                    sa.column("method", sa.Text))
    filled = [{"row_id": row_id, "value": name}
              for row_id, config in conn.execute(sa.select(rows.c.id, rows.c.config))
              if (name := _config_method(config))]
    if filled:
        conn.execute(rows.update().where(rows.c.id == sa.bindparam("row_id"))
                     .values(method=sa.bindparam("value")), filled)


def _config_method(config: Any) -> str | None:
    model = config.get("model") if isinstance(config, dict) else None
    name = model.get("method") if isinstance(model, dict) else None
    return name if isinstance(name, str) and name else None


#: revision -> (next revision, the step that gets there)
STEPS: dict[str, tuple[str, Step]] = {"0": ("1", _rename_method_to_model)}
REVISIONS = (*STEPS, HEAD)


def upgrade(engine: sa.Engine, results: sa.Table) -> None:
    """Bring the results table to :data:`HEAD` and stamp it; a no-op when it is there already.

    Call under :func:`sfmbench.store.schema_lock`, after the tables exist. A failure raises a
    :class:`StorageError` naming the database; the upgrade's transaction is rolled back.
    """
    with engine.connect() as conn:           # cheap read-only check on every open
        if _stamped(conn) == HEAD:
            return
    where = _where(engine)
    with _transaction(engine) as conn:
        _lock(conn)
        from alembic.migration import MigrationContext
        from alembic.operations import Operations
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        stamped = context.get_current_revision()
        revision = stamped or _detect(conn, results.name, where)
        if revision not in REVISIONS:
            raise StorageError(f"the result store {where} has schema revision {revision!r}, "
                               f"newer than this sfmbench knows (up to {HEAD!r})",
                               "upgrade sfmbench (pip install -U sfmbench), or use another "
                               "--run-dir/--storage")
        if revision == HEAD and stamped == HEAD:
            return
        start = revision
        try:
            ops = Operations(context)
            while revision != HEAD:
                revision, step = STEPS[revision]
                step(ops, conn, results)
            _restore_indexes(conn, results)
            _stamp(conn, HEAD)
        except Exception as exc:
            raise StorageError(
                f"cannot upgrade the result store {where} from schema revision {start} to "
                f"{HEAD}: {type(exc).__name__}: {safe_message(exc, 300)}",
                "nothing was changed (the upgrade runs in one transaction); back up the "
                "database, then retry or report the error") from None


def _stamped(conn: sa.Connection) -> str | None:
    """Our version table's row, read without importing alembic (every open does this)."""
    if not sa.inspect(conn).has_table(VERSION_TABLE):
        return None
    return conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def _detect(conn: sa.Connection, table: str, where: str) -> str:
    """The revision of an unstamped store, read off its columns."""
    columns = {c["name"] for c in sa.inspect(conn).get_columns(table)}
    if "model" in columns:
        return HEAD           # created by this sfmbench; the stamp is all that is missing
    if "method" in columns:
        return "0"
    raise StorageError(f"the result store {where} has neither a `model` nor a `method` column "
                       f"in {table}", "it is not an sfmbench store: use another "
                       "--run-dir/--storage")


def _restore_indexes(conn: sa.Connection, results: sa.Table) -> None:
    """Recreate any of our indexes that a table rebuild lost (or kept without its WHERE)."""
    have = {ix["name"]: ix for ix in sa.inspect(conn).get_indexes(results.name)}
    for index in results.indexes:
        found = have.get(index.name)
        partial = bool(index.dialect_options["sqlite"]["where"] is not None
                       or index.dialect_options["postgresql"]["where"] is not None)
        found_partial = bool(found and any(v is not None for k, v in
                                           found.get("dialect_options", {}).items()
                                           if k.endswith("_where")))
        if found is not None and found_partial == partial:
            continue
        if found is not None:
            index.drop(conn)
        index.create(conn)


def _stamp(conn: sa.Connection, rev: str) -> None:
    """Write ``rev`` as the only row of our version table (alembic's layout)."""
    table = sa.Table(VERSION_TABLE, sa.MetaData(),
                     sa.Column("version_num", sa.String(32), nullable=False),
                     sa.PrimaryKeyConstraint("version_num", name=f"{VERSION_TABLE}_pkc"))
    table.create(conn, checkfirst=True)
    conn.execute(table.delete())
    conn.execute(table.insert().values(version_num=rev))


def _lock(conn: sa.Connection) -> None:
    """Serialize upgraders on backends without :func:`schema_lock`'s file lock."""
    lock = _LOCKS.get(conn.dialect.name)
    if lock is not None:
        lock(conn)


_LOCKS: dict[str, Callable[[sa.Connection], None]] = {
    "postgresql": lambda conn: conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"),
                                            {"k": _PG_LOCK_KEY}),
}


@contextmanager
def _transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """One transaction that also covers DDL. pysqlite commits around DDL by itself, so SQLite
    gets its own connection where we issue BEGIN IMMEDIATE (SQLAlchemy's documented recipe)."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        # (an in-memory database exists only on the engine's own connection: a new store,
        # created at head, with nothing to upgrade)
        with engine.begin() as conn:
            yield conn
        return
    own = sa.create_engine(engine.url, poolclass=NullPool, connect_args={"timeout": 60})

    @sa.event.listens_for(own, "connect")
    def _no_pysqlite_transactions(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None

    @sa.event.listens_for(own, "begin")
    def _begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    try:
        with own.begin() as conn:
            yield conn
    finally:
        own.dispose()


def _where(engine: sa.Engine) -> str:
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database:
        return str(url.database)
    return redact_url(url.render_as_string(hide_password=False))

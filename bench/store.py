"""The result store: SQLAlchemy over a SQLite file by default, any database URL otherwise.

Every result is written in one transaction, so a crash (even ``kill -9``) leaves the whole row or
none. At most one successful row exists per job key (a partial unique index), so a job that two
workers both finish is stored once. Failed attempts are kept as rows with their reason.
Jobs are claimed in a ``claims`` table so that many workers can share one database; a claim whose
owner died (a dead pid on this host, or no heartbeat for ``stale_after`` seconds) is taken over.
"""
from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from .errors import StorageError
from .redact import redact_url, safe_message
from .results import STATUS_OK, ResultRow, utcnow
from .store_schema import upgrade as upgrade_schema

T = TypeVar("T")
DEFAULT_RUN_DIR = "sfmbench-runs"
_JSON_FIELDS = {"metrics", "hyperparameters", "architecture", "stage_seconds", "config",
                "library_versions"}


def _column(name: str, annotation: str) -> sa.Column:
    if name in _JSON_FIELDS:
        return sa.Column(name, sa.JSON)
    if "datetime" in annotation:
        return sa.Column(name, sa.DateTime)
    if annotation.startswith("float"):
        return sa.Column(name, sa.Float)
    if annotation.startswith("int"):
        return sa.Column(name, sa.BigInteger)
    if annotation.startswith("bool"):
        return sa.Column(name, sa.Boolean)
    return sa.Column(name, sa.Text)


metadata = sa.MetaData()
results_table = sa.Table(
    "sfmbench_results", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    *[_column(f.name, str(f.type)) for f in ResultRow.__dataclass_fields__.values()],
)
sa.Index("ix_results_job_key", results_table.c.job_key)
sa.Index("ux_results_ok_job", results_table.c.job_key, unique=True,
         sqlite_where=results_table.c.status == STATUS_OK,
         postgresql_where=results_table.c.status == STATUS_OK)
claims_table = sa.Table(
    "sfmbench_claims", metadata,
    sa.Column("job_key", sa.String(64), primary_key=True),
    sa.Column("owner", sa.Text, nullable=False),
    sa.Column("claimed_at", sa.DateTime, nullable=False),
    sa.Column("heartbeat_at", sa.DateTime, nullable=False),
)


def owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def default_url(run_dir: str | Path | None = None) -> str:
    """``SFMBENCH_STORAGE`` if set, else a SQLite file in the run directory."""
    env = os.environ.get("SFMBENCH_STORAGE")
    if env:
        return env
    run_dir = Path(run_dir or os.environ.get("SFMBENCH_RUN_DIR", DEFAULT_RUN_DIR))
    return f"sqlite:///{(run_dir / 'sfmbench.db').resolve()}"


def redact(url: str) -> str:
    """``url`` without its password (see :func:`sfmbench.redact.redact_url`)."""
    return redact_url(url)


def sqlite_path(url: str) -> Path | None:
    """The database file of a ``sqlite:///`` URL (None for other backends and ``:memory:``)."""
    try:
        parsed = sa.engine.make_url(url)
    except Exception:  # noqa: BLE001
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database or \
            parsed.database == ":memory:":
        return None
    return Path(parsed.database)


@contextmanager
def schema_lock(url: str) -> Iterator[None]:
    """Serialize schema creation (ours and optuna's) on one database across processes.

    SQLite: an exclusive file lock beside the database file. Other backends: no lock (their DDL
    is transactional); callers retry on "already exists" instead.
    """
    path = sqlite_path(url)
    if path is None:
        yield
        return
    from filelock import FileLock
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".schema.lock", timeout=300):
        yield


def create_schema(create: "Callable[[], T]", url: str, attempts: int = 5) -> T:
    """Run ``create()`` under :func:`schema_lock`, retrying when a concurrent creator won."""
    for attempt in range(attempts):
        try:
            with schema_lock(url):
                return create()
        except SQLAlchemyError as exc:
            text = str(exc).lower()
            if attempt + 1 < attempts and ("already exists" in text or "locked" in text
                                           or "duplicate" in text):
                time.sleep(0.1 * (attempt + 1))
                continue
            raise
    raise AssertionError("unreachable")


class Store:
    """Results and job claims in one database."""

    def __init__(self, url: str | None = None, *, create: bool = True) -> None:
        self.url = url or default_url()
        try:
            parsed = sa.engine.make_url(self.url)
        except Exception as exc:
            raise StorageError(f"malformed database URL {redact(self.url)!r}: "
                               f"{redact(str(exc))}",
                               "use e.g. sqlite:///results.db or "
                               "postgresql+psycopg://user:pw@host/db") from None
        kwargs: dict[str, Any] = {"future": True}
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 60}
        else:
            kwargs["pool_pre_ping"] = True
            if parsed.get_backend_name().startswith("postgres"):
                kwargs["connect_args"] = {"connect_timeout": 10}
        try:
            self.engine = sa.create_engine(self.url, **kwargs)
        except Exception as exc:  # missing driver etc.
            raise StorageError(f"cannot use database {redact(self.url)}: {exc}",
                               "install the driver (pip install 'sfmbench[distributed]' for "
                               "PostgreSQL) or use a sqlite:/// URL") from None
        if parsed.get_backend_name() == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        if create:
            try:
                create_schema(lambda: _create_all(self.engine), self.url)
            except SQLAlchemyError as exc:
                reason = str(exc.orig if hasattr(exc, 'orig') else exc).strip()
                if _is_corrupt(exc):
                    raise _corrupt_error(self.url, reason) from None
                raise StorageError(f"cannot reach database {redact(self.url)}: "
                                   f"{safe_message(reason, 300)}",
                                   "check host, port, credentials and that the server runs; "
                                   "or unset SFMBENCH_STORAGE to use a local SQLite file") from None

    def _transact(self, fn: "Callable[[sa.Connection], T]") -> T:
        """Run ``fn(conn)`` in one transaction, retrying when SQLite reports a lock."""
        for attempt in range(20):
            try:
                with self.engine.begin() as conn:
                    return fn(conn)
            except OperationalError as exc:  # SQLite "database is locked" under contention
                if "locked" not in str(exc) or attempt == 19:
                    if _is_corrupt(exc):
                        raise _corrupt_error(self.url, str(exc.orig)) from None
                    raise StorageError(f"database error on {redact(self.url)}: "
                                       f"{safe_message(exc.orig, 300)}",
                                       "retry; for many workers use PostgreSQL") from None
                time.sleep(0.2 * (attempt + 1))
            except sa.exc.DatabaseError as exc:
                if isinstance(exc, IntegrityError):
                    raise
                raise _corrupt_error(self.url, str(exc.orig)) from None
        raise AssertionError("unreachable")

    def _read(self, fn: "Callable[[sa.Connection], T]") -> T:
        """Run a read query; a corrupt or unreadable database is a StorageError, not a crash."""
        try:
            with self.engine.connect() as conn:
                return fn(conn)
        except IntegrityError:
            raise
        except sa.exc.DatabaseError as exc:
            raise _corrupt_error(self.url, str(exc.orig)) from None

    # results -------------------------------------------------------------------------------
    def add(self, row: ResultRow) -> bool:
        """Insert a row in one transaction. Returns False if an ok row for the job existed."""
        values = row.to_dict()
        if values.get("error"):  # no secrets, NUL bytes or file dumps in a stored row
            values["error"] = safe_message(values["error"])
        try:
            self._transact(lambda conn: conn.execute(results_table.insert().values(**values)))
            return True
        except IntegrityError:
            return False

    def has_ok(self, job_key: str) -> bool:
        q = sa.select(sa.func.count()).select_from(results_table).where(
            results_table.c.job_key == job_key, results_table.c.status == STATUS_OK)
        return bool(self._read(lambda conn: conn.execute(q).scalar()))

    def ok_keys(self) -> set[str]:
        q = sa.select(results_table.c.job_key).where(results_table.c.status == STATUS_OK)
        return self._read(lambda conn: {r[0] for r in conn.execute(q)})

    def failed_attempts(self, job_key: str) -> int:
        q = sa.select(sa.func.count()).select_from(results_table).where(
            results_table.c.job_key == job_key, results_table.c.status != STATUS_OK)
        return int(self._read(lambda conn: conn.execute(q).scalar()) or 0)

    def rows(self, *, latest: bool = True) -> list[dict[str, Any]]:
        """All rows (oldest first); with ``latest``, one per job: its ok row, else its last try."""
        rows = self._read(lambda conn: [dict(r._mapping) for r in conn.execute(
            sa.select(results_table).order_by(results_table.c.id))])
        if not latest:
            return rows
        best: dict[str, dict[str, Any]] = {}
        for r in rows:
            cur = best.get(r["job_key"])
            if cur is None or cur["status"] != STATUS_OK:
                best[r["job_key"]] = r
        return sorted(best.values(), key=lambda r: r["id"])

    def delete_ids(self, ids: list[int]) -> int:
        """Delete the rows with these ids in one transaction; returns how many went."""
        if not ids:
            return 0
        q = results_table.delete().where(results_table.c.id.in_([int(i) for i in ids]))
        return int(self._transact(lambda conn: conn.execute(q).rowcount) or 0)

    def frame(self, *, latest: bool = True):  # -> pandas.DataFrame
        import pandas as pd
        return pd.DataFrame(self.rows(latest=latest),
                            columns=["id", *ResultRow.field_names()])

    # claims --------------------------------------------------------------------------------
    def claim(self, job_key: str, *, stale_after: float = 600.0) -> bool:
        """Claim a job for this process; take over claims of dead or silent owners."""
        me, now = owner_id(), utcnow()

        def take(conn: sa.Connection) -> bool:
            cur = conn.execute(sa.select(claims_table).where(
                claims_table.c.job_key == job_key)).first()
            if cur is not None:
                if cur.owner != me and not _claim_is_dead(cur.owner, cur.heartbeat_at, now,
                                                          stale_after):
                    return False
                conn.execute(claims_table.delete().where(claims_table.c.job_key == job_key,
                                                         claims_table.c.owner == cur.owner))
            conn.execute(claims_table.insert().values(job_key=job_key, owner=me,
                                                      claimed_at=now, heartbeat_at=now))
            return True

        try:
            return self._transact(take)
        except IntegrityError:  # another worker claimed it between our read and insert
            return False

    def heartbeat(self, job_key: str) -> None:
        self._transact(lambda conn: conn.execute(claims_table.update().where(
            claims_table.c.job_key == job_key, claims_table.c.owner == owner_id()
        ).values(heartbeat_at=utcnow())))

    def release(self, job_key: str) -> None:
        self._transact(lambda conn: conn.execute(claims_table.delete().where(
            claims_table.c.job_key == job_key, claims_table.c.owner == owner_id())))

    @contextmanager
    def claimed(self, job_key: str, *, interval: float = 30.0) -> Iterator[None]:
        """Keep a claim's heartbeat fresh while the body runs; release it afterwards."""
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(interval):
                try:
                    self.heartbeat(job_key)
                except StorageError:
                    pass

        t = threading.Thread(target=beat, daemon=True)
        t.start()
        try:
            yield
        finally:
            stop.set()
            t.join(timeout=1)
            self.release(job_key)


def _create_all(engine: sa.Engine) -> None:
    """Create the tables (a new store starts at the head schema revision), upgrade an older
    store's schema (:mod:`sfmbench.store_schema`), then add result columns it still lacks (new
    ResultRow fields), so old stores keep opening and their rows read as NULL there."""
    metadata.create_all(engine)
    upgrade_schema(engine, results_table)
    have = {c["name"] for c in sa.inspect(engine).get_columns(results_table.name)}
    missing = [c for c in results_table.columns if c.name not in have]
    if missing:
        with engine.begin() as conn:
            for col in missing:
                ddl = sa.schema.CreateColumn(col).compile(dialect=engine.dialect)
                conn.execute(sa.text(f"ALTER TABLE {results_table.name} ADD COLUMN {ddl}"))


def _claim_is_dead(owner: str, heartbeat_at: datetime, now: datetime, stale_after: float) -> bool:
    host, _, pid = owner.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        import psutil
        if not psutil.pid_exists(int(pid)):
            return True
    return (now - heartbeat_at).total_seconds() > stale_after


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=60000")
    cur.close()


def _is_corrupt(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return any(w in text for w in ("malformed", "not a database", "corrupt", "disk i/o"))


def _corrupt_error(url: str, reason: str) -> StorageError:
    path = sqlite_path(url)
    where = f"the SQLite file {path}" if path else redact(url)
    return StorageError(f"cannot read {where}: {safe_message(reason, 200)}",
                        "the database file is damaged or not a database: restore it from a "
                        "backup, or point --run-dir/--storage at another store "
                        "(`sqlite3 FILE .recover` may salvage rows)")

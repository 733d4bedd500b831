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
from .results import STATUS_OK, ResultRow, utcnow

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
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001
        return url


class Store:
    """Results and job claims in one database."""

    def __init__(self, url: str | None = None, *, create: bool = True) -> None:
        self.url = url or default_url()
        try:
            parsed = sa.engine.make_url(self.url)
        except Exception as exc:
            raise StorageError(f"malformed database URL {self.url!r}: {exc}",
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
                metadata.create_all(self.engine)
            except SQLAlchemyError as exc:
                raise StorageError(f"cannot reach database {redact(self.url)}: "
                                   f"{str(exc.orig if hasattr(exc, 'orig') else exc).strip()}",
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
                    raise StorageError(f"database error on {redact(self.url)}: {exc.orig}",
                                       "retry; for many workers use PostgreSQL") from None
                time.sleep(0.2 * (attempt + 1))
        raise AssertionError("unreachable")

    # results -------------------------------------------------------------------------------
    def add(self, row: ResultRow) -> bool:
        """Insert a row in one transaction. Returns False if an ok row for the job existed."""
        values = row.to_dict()
        try:
            self._transact(lambda conn: conn.execute(results_table.insert().values(**values)))
            return True
        except IntegrityError:
            return False

    def has_ok(self, job_key: str) -> bool:
        q = sa.select(sa.func.count()).select_from(results_table).where(
            results_table.c.job_key == job_key, results_table.c.status == STATUS_OK)
        with self.engine.connect() as conn:
            return bool(conn.execute(q).scalar())

    def ok_keys(self) -> set[str]:
        q = sa.select(results_table.c.job_key).where(results_table.c.status == STATUS_OK)
        with self.engine.connect() as conn:
            return {r[0] for r in conn.execute(q)}

    def failed_attempts(self, job_key: str) -> int:
        q = sa.select(sa.func.count()).select_from(results_table).where(
            results_table.c.job_key == job_key, results_table.c.status != STATUS_OK)
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar() or 0)

    def rows(self, *, latest: bool = True) -> list[dict[str, Any]]:
        """All rows (oldest first); with ``latest``, one per job: its ok row, else its last try."""
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(
                sa.select(results_table).order_by(results_table.c.id))]
        if not latest:
            return rows
        best: dict[str, dict[str, Any]] = {}
        for r in rows:
            cur = best.get(r["job_key"])
            if cur is None or cur["status"] != STATUS_OK:
                best[r["job_key"]] = r
        return sorted(best.values(), key=lambda r: r["id"])

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

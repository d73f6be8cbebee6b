"""SQLAlchemy datastore: durable SQLite settings and writer serialisation.

SQLite runs in WAL mode with ``synchronous=FULL`` (a committed event survives a
power cut) and every write transaction starts with ``BEGIN IMMEDIATE``: it takes
the database's single write lock up front, waiting up to ``busy_timeout``, so
two processes never interleave a read-then-append and commit order equals
position order. Read transactions stay ``DEFERRED`` and never block writers.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final

from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore, transactions
from sqlalchemy import event
from sqlalchemy.engine import Engine as SAEngine

from ticketing.store.records import ChainedEventRecord
from ticketing.store.writegate import WriteGate

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.engine import Connection, Engine

SQLITE_BUSY_TIMEOUT_MS: Final = 30_000
#: Execution option that marks a connection's transactions as writes on SQLite.
WRITE_OPTION: Final = "ticketing_write"


class TicketingDatastore(SQLAlchemyDatastore):
    base_stored_event_record_cls = ChainedEventRecord

    def __init__(self, *, url: str | None = None, **kwargs: Any) -> None:
        if url and not url.startswith("sqlite"):
            kwargs.setdefault("pool_pre_ping", True)
        if url and url.startswith("postgresql+psycopg2"):
            # UPDATE executemany (projection rows) in pages of 100 statements
            # per round trip instead of one round trip per row
            kwargs.setdefault("executemany_mode", "values_plus_batch")
        super().__init__(url=url, **kwargs)
        engine = self.engine
        if isinstance(engine, SAEngine) and engine.dialect.name == "sqlite":
            configure_sqlite(engine, file_db=bool(self.is_sqlite_filedb))
            # WAL is set on every connection by configure_sqlite.
            self._tried_init_sqlite_wal_mode = True


def _in_write_transaction() -> bool:
    try:
        return bool(transactions.get().commit)
    except LookupError:
        return False


def _ensure_wal(cursor: Any) -> None:
    """Switch the file to WAL once (it persists). The switch needs the file to
    itself and SQLite does not wait for that, so retry while others hold it."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() == "wal":
            return
        if time.monotonic() > deadline:
            msg = f"could not switch the database to WAL mode (still {mode!r})"
            raise sqlite3.OperationalError(msg)
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def configure_sqlite(engine: Engine, *, file_db: bool) -> None:
    """Install the pragmas and the BEGIN mode on every SQLite connection."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if file_db:
            _ensure_wal(cursor)
            cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    gate = WriteGate(engine, SQLITE_BUSY_TIMEOUT_MS / 1000)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        if not (write or _in_write_transaction()):
            conn.exec_driver_sql("BEGIN DEFERRED")
            return
        dbapi_connection = conn.connection.dbapi_connection
        gate.acquire(dbapi_connection)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            gate.release(dbapi_connection)
            raise


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in a write transaction (SQLite: BEGIN IMMEDIATE); commits."""
    with engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            yield conn


@contextmanager
def view_write_transaction(engine: Engine) -> Iterator[Connection]:
    """A write transaction for derived rows (projections), not for events.

    It commits without waiting for the disk: on SQLite with ``synchronous =
    NORMAL`` (in WAL mode: no fsync per commit, the WAL is synced by the next
    event append or checkpoint; the file can never be corrupted), on
    PostgreSQL with ``synchronous_commit = off`` for this transaction only
    (the WAL is flushed within moments, by the WAL writer). A crash can lose
    the last such commits, which is harmless for a projection: its rows and
    checkpoint are lost together and caught up again from the log. Event
    appends keep waiting for the disk: the SQLite setting is put back before
    the connection returns to the pool, and a connection where that fails is
    discarded.
    """
    dialect = engine.dialect.name
    with engine.connect() as conn:
        dbapi_connection: Any = conn.connection.dbapi_connection
        if dialect == "sqlite":  # only outside a transaction: before BEGIN
            dbapi_connection.execute("PRAGMA synchronous = NORMAL")
        try:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                if dialect == "postgresql":
                    conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
                yield conn
        finally:
            if dialect == "sqlite":
                _restore_full_sync(conn, dbapi_connection)


def _restore_full_sync(conn: Connection, dbapi_connection: Any) -> None:
    try:
        dbapi_connection.execute("PRAGMA synchronous = FULL")
    except Exception:
        conn.invalidate()  # never hand a relaxed connection to an event writer
        raise


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in a read transaction (one consistent snapshot); rolls back."""
    with engine.connect() as conn, conn.begin() as tx:
        yield conn
        tx.rollback()


@contextmanager
def snapshot_transaction(engine: Engine) -> Iterator[Connection]:
    """A read transaction whose statements share one snapshot (PG: REPEATABLE READ)."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin() as tx:
            yield conn
            tx.rollback()

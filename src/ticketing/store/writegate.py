"""One SQLite writer at a time per process, handed over without sleeping.

SQLite has one write lock per database. Threads that find it taken wait in
SQLite's busy handler, which sleeps in growing steps (up to 100 ms) whatever
the holder's progress: under load, a few unlucky requests wait a second
while the lock is free most of the time. The gate queues this process's
writers on a Python lock instead, taken before ``BEGIN IMMEDIATE`` and given
back right after the commit or rollback, so only one thread per process ever
waits on SQLite (other processes still do, through the busy handler).
"""

from __future__ import annotations

import sqlite3
import threading
from typing import TYPE_CHECKING, Any

from sqlalchemy import event

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

_POOL_EXITS = ("reset", "checkin", "invalidate", "soft_invalidate", "close", "detach")


class WriteGate:
    """The per-engine writer lock; the holder is known by its DBAPI connection."""

    def __init__(self, engine: Engine, timeout_seconds: float) -> None:
        self.timeout = timeout_seconds
        self._lock = threading.Lock()
        self._holder: int | None = None
        dialect: Any = engine.dialect
        commit, rollback = dialect.do_commit, dialect.do_rollback

        def do_commit(dbapi_connection: Any) -> None:
            try:
                commit(dbapi_connection)
            finally:
                self.release(dbapi_connection)

        def do_rollback(dbapi_connection: Any) -> None:
            try:
                rollback(dbapi_connection)
            finally:
                self.release(dbapi_connection)

        dialect.do_commit, dialect.do_rollback = do_commit, do_rollback
        for name in _POOL_EXITS:  # however a connection leaves its user
            event.listen(engine, name, self._on_pool_exit)

    def acquire(self, dbapi_connection: Any) -> None:
        if not self._lock.acquire(timeout=self.timeout):
            msg = f"database is locked (no write turn within {self.timeout:.0f} s)"
            raise sqlite3.OperationalError(msg)
        self._holder = id(dbapi_connection)

    def release(self, dbapi_connection: Any) -> None:
        if dbapi_connection is not None and self._holder == id(dbapi_connection):
            self._holder = None
            self._lock.release()

    def _on_pool_exit(self, dbapi_connection: Any, *_: Any) -> None:
        self.release(dbapi_connection)

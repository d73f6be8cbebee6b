"""Who may run a projection: one active runner per projection, others stand by.

PostgreSQL: a session-level advisory lock per projection, held on a dedicated
connection; it is released when that connection or process dies, and a
standby takes over. SQLite: an exclusive ``flock`` on a file next to the
database, released the same way. The lock only avoids wasted work:
exactly-once comes from the checkpoint compare-and-set, not from the lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

logger = logging.getLogger(__name__)

#: First half of every ticketing advisory lock key (ASCII "TKPJ").
LOCK_CLASS: Final = 0x544B504A


def lock_id(name: str) -> int:
    """A stable signed 32-bit id for a lock name."""
    value = zlib.crc32(name.encode())
    return value - 2**32 if value >= 2**31 else value


class RunnerLock(Protocol):
    def try_acquire(self, name: str) -> bool:
        """Hold the lock for ``name`` (True) or learn that another runner does."""
        ...

    def holds(self, name: str) -> bool: ...

    def release_all(self) -> None: ...


class PostgresAdvisoryLock:
    """Advisory locks on one dedicated connection.

    Advisory locks are database-wide, so the lock name includes the schema the
    log lives in: two deployments in one database never block each other.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None
        self._held: set[str] = set()
        self._namespace: str | None = None

    def _connection(self) -> Connection:
        """The lock connection; if it died, its locks are gone: report, then reconnect.

        The error is raised (once) so the runner records an interruption: a
        standby may have taken over in the meantime. The next call reconnects.
        """
        if self._conn is not None:
            try:
                self._conn.execute(text("select 1"))
            except DBAPIError:
                logger.warning("lock connection lost; locks %s released", self._held)
                self._held.clear()
                with contextlib.suppress(Exception):
                    self._conn.close()
                self._conn = None
                raise
        if self._conn is None:
            self._conn = self.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            )
            if self._namespace is None:
                schema = self._conn.execute(text("select current_schema()")).scalar()
                self._namespace = str(schema)
        return self._conn

    def key(self, name: str) -> int:
        """The advisory lock's second key for ``name`` (after connecting)."""
        return lock_id(f"{self._namespace}:{name}")

    def try_acquire(self, name: str) -> bool:
        conn = self._connection()
        if name in self._held:
            return True
        got = conn.execute(
            text("select pg_try_advisory_lock(:c, :o)"),
            {"c": LOCK_CLASS, "o": self.key(name)},
        ).scalar()
        if got:
            self._held.add(name)
        return bool(got)

    def holds(self, name: str) -> bool:
        return name in self._held

    def release_all(self) -> None:
        """Unlock, and really close the connection (not back into the pool,
        where its session locks would live on and no standby could take over)."""
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.execute(text("select pg_advisory_unlock_all()"))
            with contextlib.suppress(Exception):
                self._conn.invalidate()
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn = None
        self._held.clear()


class FileLock:
    """``flock`` on ``<database>.<name>.lock`` (SQLite files)."""

    def __init__(self, directory: Path, stem: str) -> None:
        self.directory = directory
        self.stem = stem
        self._files: dict[str, Any] = {}

    def try_acquire(self, name: str) -> bool:
        if name in self._files:
            return True
        path = self.directory / f"{self.stem}.{name.replace(':', '_')}.lock"
        handle = path.open("a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._files[name] = handle
        return True

    def holds(self, name: str) -> bool:
        return name in self._files

    def release_all(self) -> None:
        for handle in self._files.values():
            handle.close()
        self._files.clear()


class ProcessLocalLock:
    """In-memory SQLite: one process, so every lock is granted."""

    def __init__(self) -> None:
        self._held: set[str] = set()

    def try_acquire(self, name: str) -> bool:
        self._held.add(name)
        return True

    def holds(self, name: str) -> bool:
        return name in self._held

    def release_all(self) -> None:
        self._held.clear()


def lock_for(engine: Engine) -> RunnerLock:
    if engine.dialect.name == "postgresql":
        return PostgresAdvisoryLock(engine)
    database = engine.url.database
    if database and database != ":memory:":
        path = Path(database).resolve()
        return FileLock(path.parent, path.name)
    return ProcessLocalLock()

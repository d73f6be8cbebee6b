"""Group commit: commands arriving together share one transaction and one flush.

On a durable store every command's commit waits for the disk (SQLite:
``synchronous = FULL``, one fsync per commit; PostgreSQL: one WAL flush), and
writers are serialised, so under concurrent load the flushes, not the
commands, bound the rate. Here a thread that finds no command in progress
becomes the *leader*: it opens one write transaction, runs every command
queued at that moment (its own first) each inside its own SAVEPOINT, commits
once, and hands each waiting thread its outcome. Threads arriving meanwhile
queue up for the next group.

Every command stays atomic and isolated: it runs alone inside the write lock,
sees the effects of the commands before it in the group (like a command
committed just before it), and a command that fails rolls back to its
savepoint, writing nothing. No outcome is handed out before the group's
commit has returned: if the commit (or the BEGIN) fails, every command of the
group fails with that error, as it would have alone. A command that hits an
integrity error inside a group (a concurrent writer in another process took
its version) is run again on its own, in its own transaction, by its own
thread, so the service's lost-race handling sees exactly what it sees
without groups. A group of one runs exactly as a command alone did.

The service groups on SQLite only. There every write transaction holds the
one write lock from its BEGIN IMMEDIATE, so commands were already serialised
from their first read and each paid an fsync of its own. PostgreSQL already
shares WAL flushes between concurrent commits, and its commands only
serialise at the append's table lock: grouping there would serialise their
reads and decisions too, for flushes the server shares anyway (paired runs
were mixed: docs/performance.md).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

import sqlalchemy.exc
from eventsourcing.persistence import IntegrityError

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractContextManager

    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

T = TypeVar("T")

#: Commands per group at most (bounds the wait of the last one in a group).
MAX_GROUP: Final = 32


class _Job(Generic[T]):
    """One command waiting for its group: its attempt, then its outcome."""

    __slots__ = ("attempt", "done", "error", "solo", "value")

    def __init__(self, attempt: Callable[[Connection], T]) -> None:
        self.attempt = attempt
        self.done = False
        self.solo = False
        self.value: T | None = None
        self.error: BaseException | None = None


class GroupCommit:
    """Runs attempts in shared write transactions; see the module's docstring."""

    def __init__(
        self,
        begin: Callable[[], AbstractContextManager[Session]],
        max_group: int = MAX_GROUP,
        *,
        enabled: bool = True,
    ) -> None:
        self.begin = begin
        self.max_group = max_group
        #: Off: every attempt runs alone, concurrently, as before groups.
        self.enabled = enabled
        self._cond = threading.Condition()
        self._queue: list[_Job[Any]] = []
        self._busy = False
        #: Groups committed and commands in them (for tests and diagnostics).
        self.groups = 0
        self.grouped = 0

    def run(self, attempt: Callable[[Connection], T]) -> T:
        """``attempt(conn)`` in a committed write transaction; its value or error."""
        if not self.enabled:
            return self._alone(attempt)
        job: _Job[T] = _Job(attempt)
        with self._cond:
            self._queue.append(job)
            while not job.done and not job.solo:
                if not self._busy:
                    self._busy = True
                    group = self._queue[: self.max_group]
                    del self._queue[: self.max_group]
                    break
                self._cond.wait()
            else:
                group = []
        if group:
            try:
                self._lead(group)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
        if job.solo:
            return self._alone(attempt)
        if job.error is not None:
            raise job.error
        return job.value  # type: ignore[return-value]

    def _alone(self, attempt: Callable[[Connection], T]) -> T:
        with self.begin() as session:
            return attempt(session.connection())

    def _lead(self, group: list[_Job[Any]]) -> None:
        if len(group) == 1:
            job = group[0]
            try:
                job.value = self._alone(job.attempt)
            except BaseException as exc:
                job.error = exc
            job.done = True
            return
        try:
            with self.begin() as session:
                for job in group:
                    self._attempt_in_savepoint(session, job)
        except BaseException as exc:
            for job in group:
                if not job.solo and job.error is None:
                    job.error = exc
                job.solo = False  # nothing of the group was written: all fail
        else:
            self.groups += 1
            self.grouped += len(group)
        for job in group:
            job.done = not job.solo

    @staticmethod
    def _attempt_in_savepoint(session: Session, job: _Job[Any]) -> None:
        savepoint = session.begin_nested()
        try:
            value = job.attempt(session.connection())
        except (IntegrityError, sqlalchemy.exc.IntegrityError):
            savepoint.rollback()
            job.solo = True  # a concurrent writer: decided again, on its own
            return
        except BaseException as exc:
            savepoint.rollback()
            job.error = exc
            return
        savepoint.commit()
        job.value = value

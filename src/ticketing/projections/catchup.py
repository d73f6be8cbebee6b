"""Pull-based catch-up: feed the log to a projection generation, batch by batch.

Each batch (events after the checkpoint, up to a head read at the start) is
applied and the checkpoint advanced by compare-and-set in ONE transaction. The
head is the largest committed position; because appends hold the log's write
lock until commit, nothing can later commit below it (docs/projections.md), so
moving the checkpoint to the head never skips an event. Positions are ordering
tokens: a missing position is never waited for or counted.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import eventsourcing.persistence as es
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from ticketing.errors import (
    CheckpointMovedError,
    ProjectionError,
    ProjectionHandlerError,
)
from ticketing.gcbatch import paced_gc
from ticketing.projections import registry
from ticketing.projections.base import richest
from ticketing.projections.source import LogSource
from ticketing.store.datastore import (
    WRITE_OPTION,
    view_write_transaction,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ticketing.projections.base import LogEvent, Projection

#: LogSource lives in source.py; it is re-exported here for existing imports.
__all__ = [
    "BatchDone",
    "LogSource",
    "catch_up",
    "catch_up_together",
    "is_connection_error",
]

logger = logging.getLogger(__name__)

DEFAULT_BATCH = 1000


@dataclass(frozen=True, slots=True)
class BatchDone:
    """Progress report after each committed batch."""

    position: int
    head: int
    events: int
    seconds: float


def catch_up(
    source: LogSource,
    projection: Projection[Any],
    generation: registry.Generation,
    *,
    batch_size: int = DEFAULT_BATCH,
    stop: int | None = None,
    on_batch: Callable[[BatchDone], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> int:
    """Process events after the checkpoint up to ``stop`` (default: the head now).

    Returns how many events were applied. On an undecodable event or a failing
    handler, the events before it are applied (checkpoint = its position - 1)
    and the error is raised: the failing event is never skipped.
    """
    with paced_gc():
        return _catch_up(
            [_Feed(source, projection, generation)],
            batch_size=batch_size,
            stop=stop,
            on_batch=on_batch,
            should_stop=should_stop,
        )


def catch_up_together(
    source: LogSource,
    members: Sequence[tuple[Projection[Any], registry.Generation]],
    *,
    batch_size: int = DEFAULT_BATCH,
    stop: int | None = None,
    on_batch: Callable[[BatchDone], None] | None = None,
) -> int:
    """``catch_up`` for generations standing at the same checkpoint, sharing work.

    Each page is read and decoded once for all of them (decoding costs as much
    as a projection's own work); each generation still commits its rows and
    checkpoint in its own transaction, so they stay independent: after a
    failure they may stand at different checkpoints, and ``rebuild_together``
    first brings them level. Returns how many events were decoded.
    """
    if len({generation.position for _, generation in members}) > 1:
        msg = "generations fed together must stand at the same checkpoint"
        raise ValueError(msg)
    with paced_gc():
        return _catch_up(
            [_Feed(source, p, g) for p, g in members],
            batch_size=batch_size,
            stop=stop,
            on_batch=on_batch,
            should_stop=None,
        )


def _catch_up(
    feeds: list[_Feed],
    *,
    batch_size: int,
    stop: int | None,
    on_batch: Callable[[BatchDone], None] | None,
    should_stop: Callable[[], bool] | None,
) -> int:
    source = feeds[0].source
    topics = _wanted_by_any(feeds)
    detail = richest(feed.projection.event_detail for feed in feeds)
    position = feeds[0].generation.position
    head = source.head() if stop is None else stop
    processed = 0
    while position < head and not (should_stop and should_stop()):
        started = time.perf_counter()
        records = source.read_page(position, batch_size, stop=head)
        full = len(records) == batch_size
        new_position = records[-1].id if full else head
        decoded = source.decode_prefix(records, topics, detail)
        if decoded.error is not None:
            new_position = int(decoded.error.details["position"]) - 1
        for feed in feeds:
            events = feed.relevant(decoded.events) if len(feeds) > 1 else decoded.events
            try:
                feed.commit(events, position, new_position)
            except ProjectionHandlerError as exc:
                feed.commit_prefix(events, position, exc)
                raise
        processed += len(decoded.events)
        position = new_position
        if on_batch is not None:
            elapsed = time.perf_counter() - started
            on_batch(BatchDone(position, head, len(decoded.events), elapsed))
        if decoded.error is not None:
            raise decoded.error
    return processed


def _wanted_by_any(feeds: list[_Feed]) -> tuple[str, ...]:
    """The topics to decode for all feeds (empty: every event)."""
    if any(not feed.projection.topics for feed in feeds):
        return ()
    return tuple(dict.fromkeys(t for feed in feeds for t in feed.projection.topics))


#: Lost or unusable connections, as SQLAlchemy and as the eventsourcing
#: library's session wrapper (which re-raises them as its own types) report them.
CONNECTION_ERRORS: Final = (
    OperationalError,
    InterfaceError,
    es.OperationalError,
    es.InterfaceError,
)


def is_connection_error(exc: BaseException) -> bool:
    """A lost or unusable database connection: an interruption, not a handler bug."""
    if isinstance(exc, CONNECTION_ERRORS):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


@dataclass(frozen=True, slots=True)
class _Feed:
    """One generation being fed: where its batches are committed."""

    source: LogSource
    projection: Projection[Any]
    generation: registry.Generation

    @property
    def tables(self) -> Any:
        return self.projection.tables(self.generation.table_prefix)

    def relevant(self, events: list[LogEvent]) -> list[LogEvent]:
        """The events of this projection's topics (a page decoded for several)."""
        topics = self.projection.topics
        if not topics:
            return events
        wanted = frozenset(topics)
        return [e for e in events if e.topic in wanted]

    def commit(self, events: list[LogEvent], old: int, new: int) -> None:
        """Advance the checkpoint (compare-and-set) and apply ``events``, atomically.

        The compare-and-set comes first: a second runner on the same generation
        blocks on the registry row (PostgreSQL) or the write lock (SQLite), then
        finds the checkpoint moved and rolls back before writing a single row.
        A handler error rolls the whole batch back; only then is the failing
        event looked for (in a transaction of its own, also rolled back).
        """
        gen = self.generation
        applying = False
        try:
            with view_write_transaction(self.source.engine) as conn:
                if not registry.advance(conn, gen, old, new, len(events)):
                    raise CheckpointMovedError(
                        f"checkpoint of {gen.key} g{gen.generation} moved "
                        f"past {old} under us; batch rolled back",
                        {"key": gen.key, "position": old},
                    )
                applying = True
                if events:
                    self.projection.apply(conn, self.tables, events)
        except Exception as exc:
            if not applying or is_connection_error(exc):
                raise
            raise self._handler_error(events, exc) from exc

    def commit_prefix(
        self, events: list[LogEvent], old: int, exc: ProjectionHandlerError
    ) -> None:
        """Apply the events before the failing one: the view stops right before it."""
        failing = int(exc.details["position"])
        prefix = [e for e in events if e.position < failing]
        try:
            self.commit(prefix, old, failing - 1)
        except ProjectionError:
            logger.warning(
                "%s: could not apply the events before position %s",
                self.projection.key,
                failing,
            )

    def _handler_error(
        self, events: list[LogEvent], exc: Exception
    ) -> ProjectionHandlerError:
        culprit = self._find_failing_event(events)
        return ProjectionHandlerError(
            f"{self.projection.key} failed on event at position "
            f"{culprit.position} ({culprit.event_type} of ticket "
            f"{culprit.originator_id} v{culprit.version}): {exc!r}",
            {
                "position": culprit.position,
                "topic": culprit.topic,
                "ticket_id": str(culprit.originator_id),
                "version": culprit.version,
                "reason": repr(exc),
            },
        )

    def _find_failing_event(self, events: list[LogEvent]) -> LogEvent:
        """Re-apply the batch one event at a time (rolled back) to name the culprit."""
        with self.source.engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin() as tx:
                try:
                    for event in events:
                        try:
                            self.projection.apply(conn, self.tables, [event])
                        except Exception as exc:
                            if is_connection_error(exc):
                                raise
                            return event
                finally:
                    tx.rollback()
        return events[-1]

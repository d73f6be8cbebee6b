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
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ticketing.errors import (
    CheckpointMovedError,
    CorruptEventError,
    ProjectionHandlerError,
)
from ticketing.projections import registry
from ticketing.projections.base import LogEvent
from ticketing.store.datastore import read_transaction, write_transaction

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from eventsourcing.persistence import Mapper
    from sqlalchemy.engine import Engine

    from ticketing.projections.base import Projection
    from ticketing.store.recorder import TicketingRecorder
    from ticketing.store.records import LogRecord

logger = logging.getLogger(__name__)

DEFAULT_BATCH = 1000


@dataclass(frozen=True, slots=True)
class LogSource:
    """Where projections read from: the recorder, its mapper, and the engine."""

    engine: Engine
    recorder: TicketingRecorder
    mapper: Mapper[Any]

    def head(self) -> int:
        return self.recorder.max_notification_id() or 0

    def decode(self, records: Sequence[LogRecord]) -> list[LogEvent]:
        events: list[LogEvent] = []
        for record in records:
            try:
                event = self.mapper.to_domain_event(record)
            except Exception as exc:
                raise CorruptEventError(
                    f"cannot decode event at position {record.id} "
                    f"({record.topic}): {exc}",
                    {"position": record.id, "topic": record.topic, "reason": str(exc)},
                ) from exc
            recorded_at = datetime.fromisoformat(record.recorded_at)
            events.append(LogEvent(record.id, recorded_at, record.topic, event))
        return events


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

    Returns how many events were applied.
    """
    tables = projection.tables(generation.table_prefix)
    position = generation.position
    head = source.head() if stop is None else stop
    processed = 0
    while position < head and not (should_stop and should_stop()):
        started = time.perf_counter()
        records = source.recorder.select_records(
            position,
            batch_size,
            stop=head,
            topics=projection.topics,
            inclusive_of_start=False,
        )
        full = len(records) == batch_size
        new_position = records[-1].id if full else head
        events = source.decode(records)
        with write_transaction(source.engine) as conn:
            _apply(projection, conn, tables, events, source)
            if not registry.advance(
                conn, generation, position, new_position, len(events)
            ):
                raise CheckpointMovedError(
                    f"checkpoint of {generation.key} g{generation.generation} moved "
                    f"past {position} under us; batch rolled back",
                    {"key": generation.key, "position": position},
                )
        processed += len(events)
        position = new_position
        if on_batch is not None:
            elapsed = time.perf_counter() - started
            on_batch(BatchDone(position, head, len(events), elapsed))
    return processed


def _apply(
    projection: Projection[Any],
    conn: Any,
    tables: Any,
    events: list[LogEvent],
    source: LogSource,
) -> None:
    if not events:
        return
    try:
        projection.apply(conn, tables, events)
    except Exception as exc:
        culprit = _find_failing_event(source, projection, tables, events)
        raise ProjectionHandlerError(
            f"{projection.key} failed on event at position {culprit.position} "
            f"({culprit.event_type}): {exc!r}",
            {
                "position": culprit.position,
                "topic": culprit.topic,
                "ticket_id": str(culprit.originator_id),
                "version": culprit.version,
                "reason": repr(exc),
            },
        ) from exc


def _find_failing_event(
    source: LogSource, projection: Projection[Any], tables: Any, events: list[LogEvent]
) -> LogEvent:
    """Re-apply the batch one event at a time (rolled back) to name the culprit."""
    with read_transaction(source.engine) as conn:
        for event in events:
            try:
                projection.apply(conn, tables, [event])
            except Exception:
                return event
    return events[-1]

"""The queue view as it was: at a log position, or as of a time, built in scratch space.

Nothing live is read or written: the queue view projection is replayed from
position 0 into a throw-away in-memory database (``manage.build_scratch``).

- ``position=P`` keeps the events at positions <= P: exactly what a runner
  whose checkpoint was P served.
- ``as_of=T`` keeps the events that had *occurred* by T (``occurred_at <= T``,
  domain time, the same cut as ``ticketing history --as-of``). The whole log is
  read, because an import records old events late; a ticket's events never go
  back in time, so each ticket is cut at a point of its own history.

Both may be given: events up to P that had occurred by T.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ticketing.errors import InvalidCommandError
from ticketing.projections.manage import build_scratch
from ticketing.projections.queue_view import QueueView
from ticketing.queries.queues import list_queue, queue_counts

if TYPE_CHECKING:
    from datetime import datetime
    from types import TracebackType

    from ticketing.projections.base import LogEvent
    from ticketing.projections.catchup import LogSource
    from ticketing.projections.manage import Scratch
    from ticketing.queries.queues import Page, QueueFilter


@dataclass
class PastQueueView:
    """A queue view rebuilt to a past point; close it (or use ``with``) when done."""

    scratch: Scratch
    position: int
    as_of: datetime | None

    def page(
        self,
        flt: QueueFilter,
        *,
        sort: str = "priority",
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page:
        """A page of tickets as they were (same contract as ``list_queue``)."""
        with self.scratch.engine.connect() as conn:
            return list_queue(
                conn,
                self.scratch.tables.tickets,
                self.position,
                flt,
                sort=sort,
                limit=limit,
                cursor=cursor,
            )

    def counts(self, flt: QueueFilter) -> list[dict[str, Any]]:
        """Counts per queue x state x priority, as they were."""
        with self.scratch.engine.connect() as conn:
            return queue_counts(conn, self.scratch.tables, flt)

    def close(self) -> None:
        self.scratch.close()

    def __enter__(self) -> PastQueueView:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def queue_view_as_of(
    source: LogSource,
    *,
    position: int | None = None,
    as_of: datetime | None = None,
) -> PastQueueView:
    """Rebuild the queue view at log ``position`` and/or as of time ``as_of``."""
    if position is None and as_of is None:
        raise InvalidCommandError.for_fields(
            {"position": "give a log position or a time (as_of)"}
        )
    head = source.head()
    if position is not None and not 0 <= position <= head:
        raise InvalidCommandError.for_fields(
            {"position": f"must be between 0 and the log head ({head})"}
        )
    if as_of is not None and as_of.tzinfo is None:
        raise InvalidCommandError.for_fields({"as_of": "must include a time zone"})
    stop = head if position is None else position
    keep = None if as_of is None else _occurred_by(as_of)
    scratch = build_scratch(source, QueueView(), stop=stop, keep=keep)
    return PastQueueView(scratch=scratch, position=stop, as_of=as_of)


def _occurred_by(instant: datetime) -> Any:
    def keep(log: LogEvent) -> bool:
        occurred: datetime = log.event.timestamp
        return occurred <= instant

    return keep

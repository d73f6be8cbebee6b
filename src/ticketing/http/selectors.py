"""Which log records an event stream forwards, and how each event is rendered.

A ticket stream forwards that ticket's events. A queue stream forwards the
events of tickets in the queue, and the Routed events that move a ticket in
or out of it; a ticket's queue is tracked from the Routed events the stream
sees, and looked up in the queue view the first time a ticket shows up.
Requesters get their public comments in full and only the type and time of
other events (internal notes never leave).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Protocol

from sqlalchemy import select

from ticketing.aggregates.ticket import Ticket
from ticketing.projections.ticket_state import event_data
from ticketing.store.datastore import read_transaction

if TYPE_CHECKING:
    from uuid import UUID

    from ticketing.projections.base import LogEvent
    from ticketing.runtime import Runtime
    from ticketing.store.records import LogRecord

MAX_TRACKED: Final = 100_000


def event_json(log: LogEvent, *, redact: bool) -> dict[str, Any] | None:
    """The wire form of one event; None when the reader may not see it at all."""
    data = event_data(log.event)
    if redact:
        if log.event_type == "CommentAdded":
            if data.get("visibility") != "public":
                return None
        else:
            data = {}
    actor = log.event.meta.actor
    return {
        "position": log.position,
        "ticket_id": str(log.originator_id),
        "version": log.version,
        "event_type": log.event_type,
        "occurred_at": log.event.timestamp.isoformat(),
        "recorded_at": log.recorded_at.isoformat(),
        "actor": {"id": actor.id, "role": actor.role, "kind": actor.kind},
        "data": data,
    }


class Selector(Protocol):
    def select(self, records: list[LogRecord]) -> list[dict[str, Any]]:
        """The events of ``records`` this stream forwards, rendered."""
        ...


@dataclass
class TicketSelector:
    runtime: Runtime
    ticket_id: UUID
    redact: bool

    def select(self, records: list[LogRecord]) -> list[dict[str, Any]]:
        mine = [r for r in records if str(r.originator_id) == str(self.ticket_id)]
        events = self.runtime.projections.source.decode(mine)
        rendered = (event_json(e, redact=self.redact) for e in events)
        return [e for e in rendered if e is not None]


@dataclass
class QueueSelector:
    runtime: Runtime
    queue: str
    queues: dict[UUID, str | None] = field(default_factory=dict)

    def select(self, records: list[LogRecord]) -> list[dict[str, Any]]:
        events = self.runtime.projections.source.decode(records)
        self._learn({e.originator_id for e in events} - set(self.queues))
        out: list[dict[str, Any]] = []
        for log in events:
            before = self.queues.get(log.originator_id)
            after = before
            if isinstance(log.event, Ticket.Opened):
                before = after = None
            elif isinstance(log.event, Ticket.Routed):
                after = log.event.queue
            self.queues[log.originator_id] = after
            if self.queue in (before, after):
                rendered = event_json(log, redact=False)
                if rendered is not None:
                    out.append(rendered)
        if len(self.queues) > MAX_TRACKED:
            self.queues.clear()
        return out

    def _learn(self, ticket_ids: set[UUID]) -> None:
        """Current queues of tickets seen for the first time (from the queue view)."""
        self.queues.update(queue_view_column(self.runtime, ticket_ids, "queue"))


def queue_view_column(
    runtime: Runtime, ticket_ids: set[UUID], column: str
) -> dict[UUID, Any]:
    """One column of the queue view for ``ticket_ids`` (those it has rows for)."""
    if not ticket_ids:
        return {}
    host = runtime.projections
    with read_transaction(runtime.engine) as conn:
        t = host.active_view(conn, "queue_view").tables.tickets
        rows = conn.execute(
            select(t.c.ticket_id, t.c[column]).where(t.c.ticket_id.in_(ticket_ids))
        ).all()
    return {row.ticket_id: row[1] for row in rows}

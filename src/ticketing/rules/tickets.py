"""Tickets as of the view's position, folded in memory from the same events.

The rules view folds every event anyway, so it keeps the recently active
tickets as aggregates too: a trigger then needs no store read for its ticket
(a miss, e.g. a ticket opened before the processor started, is loaded by the
caller and kept). Bounded (least recently used first out) for the live
processor; unbounded for preview, which drops closed tickets itself.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

from ticketing.aggregates.ticket import Ticket, TicketEvent

if TYPE_CHECKING:
    from uuid import UUID

    from ticketing.projections.base import LogEvent


class TicketCache:
    """Ticket aggregates kept up to date by ``fold``; ``limit`` None: unbounded."""

    def __init__(self, limit: int | None = 10_000) -> None:
        self.limit = limit
        self._tickets: OrderedDict[UUID, Ticket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._tickets)

    def fold(self, log: LogEvent) -> None:
        event = log.event
        if not isinstance(event, TicketEvent):
            return
        if isinstance(event, Ticket.Opened):
            created = event.mutate(None)
            if isinstance(created, Ticket):
                self.put(created)
            return
        ticket = self._tickets.get(log.originator_id)
        if ticket is None:
            return
        if ticket.version + 1 != log.version:  # pragma: no cover - defensive
            del self._tickets[log.originator_id]
            return
        event.mutate(ticket)
        self._tickets.move_to_end(log.originator_id)

    def get(self, ticket_id: UUID, version: int) -> Ticket | None:
        """The ticket at exactly ``version``, if kept."""
        ticket = self._tickets.get(ticket_id)
        return ticket if ticket is not None and ticket.version == version else None

    def put(self, ticket: Ticket) -> None:
        self._tickets[ticket.id] = ticket
        self._tickets.move_to_end(ticket.id)
        while self.limit is not None and len(self._tickets) > self.limit:
            self._tickets.popitem(last=False)

    def drop(self, ticket_id: UUID) -> None:
        self._tickets.pop(ticket_id, None)

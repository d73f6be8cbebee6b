"""Tickets the command service has just written, kept to skip the next load.

A command on a ticket folds the ticket from its events before deciding
(statements, decoding, and the library's per-event checks: most of a
command's CPU once a ticket has a few dozen events). The service keeps the
ticket it has just committed; the next command on it, inside its own
transaction, reads only the ticket's version in the log (one index probe) and
uses the kept ticket when the versions match, else folds the ticket as before.
So a decision is always made on the state the log has at that moment: a
write by another process or worker only costs a fold, and two writers that
both pass the check are still told apart by the log's unique
(ticket, version) index, as for a folded ticket (docs/performance.md).

A kept ticket is *taken* (removed) by the command that uses it and put back
only after that command committed: a rejected or rolled-back decision never
leaves its half-applied state behind, and no two threads hold the same
object.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from uuid import UUID

    from ticketing.aggregates.ticket import Ticket

#: Tickets kept per process (least recently written first out).
LIVE_TICKETS: Final = 2_000


class LiveTickets:
    """A bounded, thread-safe store of committed tickets, by id."""

    def __init__(self, limit: int = LIVE_TICKETS) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._tickets: OrderedDict[UUID, Ticket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._tickets)

    def take(self, ticket_id: UUID) -> Ticket | None:
        """The kept ticket, removed from the store (None when not kept)."""
        with self._lock:
            return self._tickets.pop(ticket_id, None)

    def put(self, ticket: Ticket) -> None:
        """Keep ``ticket`` (as committed); an older copy never replaces a newer."""
        if ticket.pending_events or self.limit <= 0:
            return
        with self._lock:
            kept = self._tickets.get(ticket.id)
            if kept is not None and kept.version > ticket.version:
                return
            self._tickets[ticket.id] = ticket
            self._tickets.move_to_end(ticket.id)
            while len(self._tickets) > self.limit:
                self._tickets.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._tickets.clear()

"""Ticket references from URLs, resolved once per process.

A ticket number belongs to one ticket forever once committed (numbers are
never reassigned), so number -> id can be cached without invalidation; UUIDs
need no lookup at all. Saves a read transaction on every command and query.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Final

from starlette.concurrency import run_in_threadpool

from ticketing.queries.tickets import ticket_id_for

if TYPE_CHECKING:
    import uuid

    from ticketing.commands.service import TicketService

MAX_CACHED: Final = 50_000


class TicketRefs:
    """Resolves numbers or ids to ticket ids, remembering numbers it has seen."""

    def __init__(self, service: TicketService, size: int = MAX_CACHED) -> None:
        self.service = service
        self.size = size
        self._lock = threading.Lock()
        self._numbers: OrderedDict[str, uuid.UUID] = OrderedDict()

    def cached(self, ref: str) -> uuid.UUID | None:
        """The id for ``ref`` if it needs no database (a known number), else None."""
        key = ref.strip().upper()
        with self._lock:
            found = self._numbers.get(key)
            if found is not None:
                self._numbers.move_to_end(key)
            return found

    def resolve(self, ref: str) -> uuid.UUID:
        """The ticket id for ``ref``; TicketNotFoundError when there is none."""
        found = self.cached(ref)
        if found is not None:
            return found
        key = ref.strip().upper()
        ticket_id = ticket_id_for(self.service, ref)
        if key != str(ticket_id).upper():  # a number, not an id
            with self._lock:
                self._numbers[key] = ticket_id
                if len(self._numbers) > self.size:
                    self._numbers.popitem(last=False)
        return ticket_id

    async def aresolve(self, ref: str) -> uuid.UUID:
        """``resolve`` from a coroutine: a known number costs no thread hop."""
        found = self.cached(ref)
        if found is not None:
            return found
        return await run_in_threadpool(self.resolve, ref)

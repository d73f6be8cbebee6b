"""The console's event stream: the API's SSE stream, signed in by cookie.

``EventSource`` cannot send an Authorization header, so the console serves
the same stream (``ticketing.http.sse.event_stream``, same selectors, same
heartbeats and reconnection by ``Last-Event-ID``) behind the session cookie.
``?ticket=`` follows one ticket (requesters: only their own, redacted);
without it the board stream forwards the tickets the user may see on the
board: every ticket, or for a requester their own, redacted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from starlette.responses import StreamingResponse

from ticketing.aggregates.ticket import Ticket, TicketEvent
from ticketing.console.pages import page
from ticketing.errors import InvalidCommandError
from ticketing.http.payloads import MAX_POSITION, QueryArgs
from ticketing.http.scopes import check_visible
from ticketing.http.selectors import (
    MAX_TRACKED,
    TicketSelector,
    event_json,
    queue_view_column,
)
from ticketing.http.sse import event_stream
from ticketing.queries.tickets import get_ticket

if TYPE_CHECKING:
    from uuid import UUID

    from starlette.responses import Response

    from ticketing.console.pages import Page
    from ticketing.http.selectors import Selector
    from ticketing.runtime import Runtime
    from ticketing.store.records import LogRecord


@dataclass
class BoardSelector:
    """Ticket events for the board; for a requester only their own tickets'."""

    runtime: Runtime
    requester: str | None
    owners: dict[UUID, str] = field(default_factory=dict)

    def select(self, records: list[LogRecord]) -> list[dict[str, Any]]:
        events = [
            e
            for e in self.runtime.projections.source.decode(records)
            if isinstance(e.event, TicketEvent)
        ]
        if self.requester is not None:
            self._learn({e.originator_id for e in events} - set(self.owners))
        out: list[dict[str, Any]] = []
        for log in events:
            if isinstance(log.event, Ticket.Opened):
                self.owners[log.originator_id] = log.event.requester_id
            mine = self.owners.get(log.originator_id) == self.requester
            if self.requester is not None and not mine:
                continue
            rendered = event_json(log, redact=self.requester is not None)
            if rendered is not None:
                out.append(rendered)
        if len(self.owners) > MAX_TRACKED:
            self.owners.clear()
        return out

    def _learn(self, ticket_ids: set[UUID]) -> None:
        """Requesters of tickets seen for the first time (from the queue view)."""
        self.owners.update(queue_view_column(self.runtime, ticket_ids, "requester_id"))


async def _selector(p: Page, ticket: str | None) -> Selector:
    runtime = p.api.runtime
    principal = p.user.principal
    if ticket is None:
        return BoardSelector(runtime, principal.id if principal.is_requester else None)
    view = await p.blocking(get_ticket, runtime.service, ticket)
    check_visible(principal, view.requester_id, view.number)
    return TicketSelector(runtime, view.ticket_id, redact=principal.is_requester)


async def console_events(p: Page) -> Response:
    p.require("events.stream")
    q = QueryArgs(p.request, ("ticket", "after"))
    ticket = q.string("ticket")
    after = q.integer("after", 0, MAX_POSITION)
    q.done()
    selector = await _selector(p, ticket)
    head = await p.blocking(p.api.runtime.projections.source.head)
    last = p.request.headers.get("last-event-id", "").strip()
    if last.isdigit() and len(last) <= 18:
        # a reconnecting EventSource: resume after the last event it got
        after = max(after or 0, int(last))
    if after is not None and after > head:
        raise InvalidCommandError.for_fields(
            {"after": f"{after} is beyond the log head ({head})"}
        )
    return StreamingResponse(
        event_stream(p.api, selector, head if after is None else after),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


EVENTS: Final = page(console_events, fragment=True)

"""Server-sent events: new events of one ticket or one queue, read from the log.

The stream starts after ``after`` (or the ``Last-Event-ID`` header, or the
head now), sends each event with ``id: <position>`` so a reconnecting client
resumes exactly where it stopped, sends a heartbeat comment when idle, and
closes after ``sse_max_seconds`` (clients reconnect). A client that goes away
ends the stream at once (Starlette cancels it on disconnect).
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Final

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from ticketing.errors import InvalidCommandError
from ticketing.http.errors import ForbiddenError, MalformedRequestError
from ticketing.http.payloads import MAX_POSITION
from ticketing.http.routing import Param, RouteSpec
from ticketing.http.schemas_base import NAME
from ticketing.http.scopes import check_visible
from ticketing.http.selectors import QueueSelector, Selector, TicketSelector
from ticketing.queries.tickets import get_ticket

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from ticketing.http.routing import Call
    from ticketing.http.state import ApiState
    from ticketing.store.records import LogRecord

BATCH: Final = 200


def _start_position(call: Call, after: int | None) -> int | None:
    if after is not None:
        return after
    header = call.request.headers.get("last-event-id")
    if header is None:
        return None
    text = header.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise MalformedRequestError(
            "Last-Event-ID must be a log position", {"header": "Last-Event-ID"}
        )
    return int(text)


async def _selector(call: Call, ticket: str | None, queue: str | None) -> Selector:
    runtime = call.api.runtime
    principal = call.principal
    if (ticket is None) == (queue is None):
        raise InvalidCommandError.for_fields(
            {"ticket": "give exactly one of ticket or queue"}
        )
    if queue is not None:
        if principal.is_requester:
            raise ForbiddenError(
                "requesters can only follow their own tickets", {"field": "queue"}
            )
        return QueueSelector(runtime, queue)
    assert ticket is not None  # noqa: S101 - exactly one is set
    view = await call.blocking(get_ticket, runtime.service, ticket)
    check_visible(principal, view.requester_id, view.number)
    return TicketSelector(runtime, view.ticket_id, redact=principal.is_requester)


async def stream_events(call: Call) -> Response:
    q = call.query()
    ticket = q.string("ticket")
    queue = q.string("queue")
    after = q.integer("after", 0, MAX_POSITION)
    q.done()
    selector = await _selector(call, ticket, queue)
    head = await call.blocking(call.api.runtime.projections.source.head)
    start = _start_position(call, after)
    if start is not None and start > head:
        raise InvalidCommandError.for_fields(
            {"after": f"{start} is beyond the log head ({head})"}
        )
    position = head if start is None else start
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    if call.request.method == "HEAD":  # the headers a GET would get, no stream
        return Response(media_type="text/event-stream", headers=headers)
    return StreamingResponse(
        event_stream(call.api, selector, position),
        media_type="text/event-stream",
        headers=headers,
    )


def _read(api: ApiState, position: int) -> list[LogRecord]:
    return api.runtime.recorder.select_log(position, BATCH)


async def event_stream(
    api: ApiState, selector: Selector, position: int
) -> AsyncIterator[str]:
    """SSE lines of the events ``selector`` forwards, from after ``position``."""
    config = api.config
    deadline = time.monotonic() + config.sse_max_seconds
    api.metrics.stream_opened()
    try:
        yield f"retry: 2000\n: stream from position {position}\n\n"
        last_sent = time.monotonic()
        while time.monotonic() < deadline:
            records = await run_in_threadpool(_read, api, position)
            if records:
                events = await run_in_threadpool(selector.select, records)
                for event in events:
                    data = json.dumps(event, separators=(",", ":"))
                    yield f"id: {event['position']}\ndata: {data}\n\n"
                    last_sent = time.monotonic()
                position = records[-1].id
                continue
            now = time.monotonic()
            beat_in = config.sse_heartbeat_seconds - (now - last_sent)
            if beat_in <= 0:
                yield f": heartbeat {position}\n\n"
                last_sent = now
                continue
            wait = min(beat_in, deadline - now, config.watch_poll_seconds)
            await api.ticker.wait_beyond(position, max(wait, 0.0))
    finally:
        api.metrics.stream_closed()


ROUTES: list[RouteSpec] = [
    RouteSpec(
        "GET",
        "/events/stream",
        "stream_events",
        "Server-sent events: new events of a ticket or a queue",
        "events",
        stream_events,
        "events.stream",
        params=(
            Param("ticket", "query", NAME, description="Ticket number or id."),
            Param("queue", "query", NAME, description="Queue name."),
            Param(
                "after",
                "query",
                {"type": "integer", "minimum": 0, "maximum": MAX_POSITION},
                description="Start after this position (else Last-Event-ID, else now).",
            ),
            Param(
                "Last-Event-ID",
                "header",
                {"type": "string", "pattern": "^[0-9]{1,18}$"},
                description="Resume after this position (set by EventSource).",
            ),
        ),
        media_type="text/event-stream",
        errors=(400, 404),
        description="Each event is `id: <position>` and `data: <JSON>`; "
        "`: heartbeat` comments keep idle connections open; the stream ends "
        "after a bounded time and the client reconnects with Last-Event-ID.",
    ),
]

"""GET endpoints for one ticket: state (with ETag), history, state as of, comments.

These read the ticket's own events from the log, so they are never behind a
write; ``min_position`` is accepted for uniformity and only checked against
the head. Requesters may read their own tickets and their public comments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from starlette.responses import JSONResponse

from ticketing.http.consistency import check_position
from ticketing.http.payloads import MAX_POSITION, etag
from ticketing.http.routing import Param, RouteSpec
from ticketing.http.scopes import check_visible
from ticketing.queries.history import get_history
from ticketing.queries.tickets import get_ticket, list_comments

if TYPE_CHECKING:
    from starlette.responses import Response

    from ticketing.http.routing import Call

REF: Final = Param("ref", "path", {"type": "string"}, True, "Ticket number or id")
MIN_POSITION: Final = Param(
    "min_position",
    "query",
    {"type": "integer", "minimum": 0, "maximum": MAX_POSITION},
    description="Wait until the read model has reached this log position.",
)
AS_OF: Final = Param(
    "as_of",
    "query",
    {"type": "string", "format": "date-time"},
    description="Cut the history at this instant (occurred_at), with a time zone.",
)
VERSION: Final = Param(
    "version",
    "query",
    {"type": "integer", "minimum": 1, "maximum": MAX_POSITION},
    description="Cut the history at this ticket version.",
)


def _ref(call: Call) -> str:
    return str(call.request.path_params["ref"])


async def read_ticket(call: Call) -> Response:
    q = call.query()
    min_position = q.integer("min_position", 0, MAX_POSITION)
    q.done()
    await check_position(call.api, min_position)
    ticket_id = await call.api.refs.aresolve(_ref(call))
    view = await call.blocking(get_ticket, call.api.runtime.service, str(ticket_id))
    check_visible(call.principal, view.requester_id, view.number)
    return JSONResponse(view.as_json(), headers={"ETag": etag(view.version)})


async def _history(call: Call) -> Any:
    q = call.query()
    as_of = q.instant("as_of")
    version = q.integer("version", 1, MAX_POSITION)
    min_position = q.integer("min_position", 0, MAX_POSITION)
    q.done()
    await check_position(call.api, min_position)
    runtime = call.api.runtime
    return await call.blocking(
        get_history,
        runtime.service,
        runtime.projections.source,
        _ref(call),
        as_of=as_of,
        version=version,
    )


async def read_history(call: Call) -> Response:
    history = await _history(call)
    return JSONResponse(history.as_json())


async def read_state(call: Call) -> Response:
    data = (await _history(call)).as_json()
    data.pop("events")
    return JSONResponse(data)


async def read_comments(call: Call) -> Response:
    q = call.query()
    min_position = q.integer("min_position", 0, MAX_POSITION)
    q.done()
    await check_position(call.api, min_position)
    runtime = call.api.runtime
    history = await call.blocking(
        get_history, runtime.service, runtime.projections.source, _ref(call)
    )
    principal = call.principal
    check_visible(principal, str(history.state["requester_id"]), history.number)
    comments = list_comments(history, include_internal=not principal.is_requester)
    return JSONResponse(
        {
            "ticket_id": str(history.ticket_id),
            "number": history.number,
            "comments": comments,
        }
    )


ROUTES: list[RouteSpec] = [
    RouteSpec(
        "GET",
        "/tickets/{ref}",
        "get_ticket",
        "A ticket's current state; the ETag is its version",
        "tickets",
        read_ticket,
        "ticket.read",
        params=(REF, MIN_POSITION),
        response="Ticket",
        response_headers=("ETag",),
    ),
    RouteSpec(
        "GET",
        "/tickets/{ref}/history",
        "get_ticket_history",
        "Every event with who/when/why and what changed (optionally as of T or v)",
        "tickets",
        read_history,
        "ticket.history",
        params=(REF, AS_OF, VERSION, MIN_POSITION),
        response="TicketHistory",
    ),
    RouteSpec(
        "GET",
        "/tickets/{ref}/state",
        "get_ticket_state",
        "The ticket's state as of a time or version (default: now)",
        "tickets",
        read_state,
        "ticket.history",
        params=(REF, AS_OF, VERSION, MIN_POSITION),
        response="TicketStateAsOf",
    ),
    RouteSpec(
        "GET",
        "/tickets/{ref}/comments",
        "list_ticket_comments",
        "Comments in order (requesters: public ones only)",
        "tickets",
        read_comments,
        "ticket.read",
        params=(REF, MIN_POSITION),
        response="CommentList",
    ),
]

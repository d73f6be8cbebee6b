"""Queue views: filtered, sorted, cursor-paginated ticket lists with totals; counts.

Served from the ``queue_view`` projection; ``min_position`` waits for it to
reach a command's position (read-your-writes). Requesters only ever see
their own tickets: the requester filter is forced to their principal id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from starlette.responses import JSONResponse

from ticketing.aggregates.vocabulary import PRIORITIES, STATES, TICKET_TYPES
from ticketing.http.consistency import read_projection
from ticketing.http.errors import ForbiddenError
from ticketing.http.payloads import MAX_POSITION
from ticketing.http.routing import Param, RouteSpec
from ticketing.http.schemas_base import NAME
from ticketing.queries.queues import (
    MAX_PAGE,
    SORTS,
    QueueFilter,
    list_queue,
    queue_counts,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from starlette.responses import Response

    from ticketing.http.payloads import QueryArgs
    from ticketing.http.routing import Call
    from ticketing.projections.manage import ActiveView

VIEW: Final = "queue_view"


def _array(values: tuple[str, ...]) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string", "enum": list(values)}}


FILTER_PARAMS: Final = (
    Param("queue", "query", NAME, description="Only this queue."),
    Param("group", "query", NAME, description="Only this group."),
    Param("assignee", "query", NAME, description="Only this agent."),
    Param("requester_id", "query", NAME, description="Only this requester."),
    Param("state", "query", _array(STATES), description="States (default: open)."),
    Param("priority", "query", _array(PRIORITIES), description="Priorities."),
    Param("type", "query", _array(TICKET_TYPES), description="Ticket types."),
    Param("unassigned", "query", {"type": "boolean"}, description="Nobody assigned."),
    Param(
        "min_position",
        "query",
        {"type": "integer", "minimum": 0, "maximum": MAX_POSITION},
        description="Wait until the queue view has reached this log position.",
    ),
)
PAGE_PARAMS: Final = (
    Param(
        "sort", "query", {"type": "string", "enum": list(SORTS)}, description="Order."
    ),
    Param(
        "limit",
        "query",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
        description="Page size (default 50).",
    ),
    Param("cursor", "query", {"type": "string"}, description="From next_cursor."),
)


def _filter(call: Call, q: QueryArgs) -> QueueFilter:
    requester = q.string("requester_id")
    principal = call.principal
    if principal.is_requester:
        if requester not in (None, principal.id):
            raise ForbiddenError(
                "requesters can only list their own tickets",
                {"field": "requester_id"},
            )
        requester = principal.id
    states = q.choices("state", STATES)
    return QueueFilter(
        queue=q.string("queue"),
        group=q.string("group"),
        assignee=q.string("assignee"),
        requester_id=requester,
        states=states or QueueFilter().states,
        priorities=q.choices("priority", PRIORITIES),
        types=q.choices("type", TICKET_TYPES),
        unassigned=bool(q.boolean("unassigned")),
    )


async def list_tickets(call: Call) -> Response:
    q = call.query()
    flt = _filter(call, q)
    sort = q.choice("sort", tuple(SORTS)) or "priority"
    limit = q.integer("limit", 1, MAX_PAGE) or 50
    cursor = q.raw("cursor")
    min_position = q.integer("min_position", 0, MAX_POSITION)
    q.done()
    now = call.api.runtime.clock.now()

    def query(conn: Connection, view: ActiveView) -> dict[str, Any]:
        page = list_queue(
            conn,
            view.tables.tickets,
            view.generation.position,
            flt,
            sort=sort,
            limit=limit,
            cursor=cursor,
        )
        return page.as_json(now)

    return JSONResponse(await read_projection(call.api, VIEW, min_position, query))


async def count_tickets(call: Call) -> Response:
    q = call.query()
    flt = _filter(call, q)
    min_position = q.integer("min_position", 0, MAX_POSITION)
    q.done()

    def query(conn: Connection, view: ActiveView) -> dict[str, Any]:
        counts = queue_counts(conn, view.tables, flt)
        return {"counts": counts, "position": view.generation.position}

    return JSONResponse(await read_projection(call.api, VIEW, min_position, query))


ROUTES: list[RouteSpec] = [
    RouteSpec(
        "GET",
        "/tickets",
        "list_tickets",
        "A page of tickets matching the filters, with the total and next cursor",
        "queues",
        list_tickets,
        "queue.read",
        params=(*FILTER_PARAMS, *PAGE_PARAMS),
        response="TicketPage",
        errors=(503,),
    ),
    RouteSpec(
        "GET",
        "/queues",
        "count_tickets",
        "Ticket counts per queue x state x priority for the filters",
        "queues",
        count_tickets,
        "queue.read",
        params=FILTER_PARAMS,
        response="QueueCounts",
        errors=(503,),
    ),
]

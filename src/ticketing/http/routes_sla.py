"""SLA endpoints: compliance report, clocks at risk, a ticket's clock evidence.

Read from the live SLA projection (``sla``); ``min_position`` waits for it to
reach a command's position (read-your-writes). Figures and evidence come from
``ticketing.queries.sla`` and ``ticketing.queries.sla_evidence``; what-if and
policy administration are in routes_sla_policies.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from starlette.responses import JSONResponse

from ticketing.aggregates.vocabulary import PRIORITIES, TICKET_TYPES
from ticketing.http.consistency import read_projection
from ticketing.http.payloads import MAX_POSITION
from ticketing.http.routes_tickets import AS_OF, MIN_POSITION, REF
from ticketing.http.routing import Param, RouteSpec
from ticketing.http.schemas_base import NAME
from ticketing.policies.sla import METRICS
from ticketing.queries.sla import (
    DIMENSIONS,
    PERIODS,
    ComplianceFilter,
    at_risk,
    compliance,
    live_counts,
)
from ticketing.queries.sla_evidence import ticket_evidence
from ticketing.sla.evidence import instant_text
from ticketing.sla.projection import SLA_KEY
from ticketing.sla.reading import read_view

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from starlette.responses import Response

    from ticketing.http.payloads import QueryArgs
    from ticketing.http.routing import Call
    from ticketing.projections.manage import ActiveView

MAX_AT_RISK: Final = 1000
MAX_PERCENT: Final = 10_000


def _array(values: tuple[str, ...]) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string", "enum": list(values)}}


SLA_MIN_POSITION: Final = Param(
    "min_position",
    "query",
    {"type": "integer", "minimum": 0, "maximum": MAX_POSITION},
    description="Wait until the SLA projection has reached this log position.",
)
REPORT_PARAMS: Final = (
    Param("by", "query", _array(DIMENSIONS), description="Dimensions (default all)."),
    Param(
        "period",
        "query",
        {"type": "string", "enum": list(PERIODS)},
        description="Length of the period dimension (default month).",
    ),
    Param("queue", "query", NAME, description="Only tickets in this queue."),
    Param("group", "query", NAME, description="Only tickets of this group."),
    Param("priority", "query", _array(PRIORITIES), description="Priorities."),
    Param("type", "query", _array(TICKET_TYPES), description="Ticket types."),
    Param("metric", "query", _array(METRICS), description="response, resolution."),
    Param(
        "since",
        "query",
        {"type": "string", "format": "date-time"},
        description="Clocks that stopped at or after this instant.",
    ),
    Param(
        "until",
        "query",
        {"type": "string", "format": "date-time"},
        description="Clocks that stopped before this instant.",
    ),
    SLA_MIN_POSITION,
)
FILTER_PARAMS: Final = tuple(
    p
    for p in REPORT_PARAMS
    if p.name in ("queue", "group", "priority", "type", "metric")
)
AT_RISK_PARAMS: Final = (
    *FILTER_PARAMS,
    Param(
        "threshold",
        "query",
        {"type": "integer", "minimum": 0, "maximum": MAX_PERCENT},
        description="Elapsed share of the target, in % (default: the policy's "
        "first warning threshold).",
    ),
    Param(
        "limit",
        "query",
        {"type": "integer", "minimum": 1, "maximum": MAX_AT_RISK},
        description="At most this many clocks (default 100).",
    ),
    SLA_MIN_POSITION,
)


def _filter(q: QueryArgs, *, dated: bool) -> ComplianceFilter:
    return ComplianceFilter(
        queue=q.string("queue"),
        group=q.string("group"),
        priorities=q.choices("priority", PRIORITIES),
        types=q.choices("type", TICKET_TYPES),
        metrics=q.choices("metric", METRICS),
        since=q.instant("since") if dated else None,
        until=q.instant("until") if dated else None,
    )


async def sla_report(call: Call) -> Response:
    q = call.query()
    by = q.choices("by", DIMENSIONS) or DIMENSIONS
    period = q.choice("period", PERIODS) or "month"
    only = _filter(q, dated=True)
    min_position = q.integer("min_position", 0, MAX_POSITION)
    if only.since and only.until and only.since >= only.until:
        q.problems["until"] = "must be after since"
    q.done()
    now = call.api.runtime.clock.now()

    def query(conn: Connection, view: ActiveView) -> dict[str, Any]:
        rows = compliance(conn, view.tables, by, period, only, totals=True)
        live = live_counts(conn, view.tables, now, totals=True)
        return {
            "now": instant_text(now),
            "position": view.generation.position,
            "period": period,
            "by": list(by),
            "filters": {
                "queue": only.queue,
                "group": only.group,
                "priority": list(only.priorities),
                "type": list(only.types),
                "metric": list(only.metrics),
                "since": instant_text(only.since),
                "until": instant_text(only.until),
            },
            "compliance": [r.as_json() for r in rows],
            "live": {
                "running": live.running,
                "paused": live.paused,
                "overdue": live.overdue,
            },
        }

    return JSONResponse(await read_projection(call.api, SLA_KEY, min_position, query))


async def sla_at_risk(call: Call) -> Response:
    q = call.query()
    only = _filter(q, dated=False)
    threshold = q.integer("threshold", 0, MAX_PERCENT)
    limit = q.integer("limit", 1, MAX_AT_RISK) or 100
    min_position = q.integer("min_position", 0, MAX_POSITION)
    q.done()
    now = call.api.runtime.clock.now()

    def query(conn: Connection, view: ActiveView) -> dict[str, Any]:
        position = view.generation.position
        sla = read_view(conn, view.tables, position)
        found = at_risk(
            conn,
            view.tables,
            now,
            sla.calendar_of,
            limit=limit,
            min_percent=None if threshold is None else float(threshold),
            only=only,
        )
        return {
            "now": instant_text(now),
            "position": position,
            "threshold": threshold,
            "clocks": [c.as_json() for c in found],
        }

    return JSONResponse(await read_projection(call.api, SLA_KEY, min_position, query))


async def ticket_sla(call: Call) -> Response:
    q = call.query()
    as_of = q.instant("as_of")
    min_position = q.integer("min_position", 0, MAX_POSITION)
    q.done()
    ticket_id = await call.api.refs.aresolve(str(call.request.path_params["ref"]))
    await read_projection(call.api, SLA_KEY, min_position, lambda _c, _v: None)
    runtime = call.api.runtime
    data = await call.blocking(
        ticket_evidence, runtime.projections, ticket_id, runtime.clock.now(), as_of
    )
    return JSONResponse(data)


ROUTES: list[RouteSpec] = [
    RouteSpec(
        "GET",
        "/sla/report",
        "get_sla_report",
        "SLA compliance (% met, MTTA, MTTR) by dimension, with filters",
        "sla",
        sla_report,
        "sla.read",
        params=REPORT_PARAMS,
        response="SlaReport",
        errors=(503,),
        description="Met and breached clocks (each ticket judged by the policy "
        "version in force when it was opened), grouped by the dimensions in "
        "`by`; `period` groups by when the clock stopped (UTC).",
    ),
    RouteSpec(
        "GET",
        "/sla/at-risk",
        "list_sla_at_risk",
        "Running clocks at or above a share of their target, soonest due first",
        "sla",
        sla_at_risk,
        "sla.read",
        params=AT_RISK_PARAMS,
        response="SlaAtRisk",
        errors=(503,),
    ),
    RouteSpec(
        "GET",
        "/tickets/{ref}/sla",
        "get_ticket_sla",
        "A ticket's SLA clocks with every transition, its cause and the arithmetic",
        "sla",
        ticket_sla,
        "sla.evidence",
        params=(REF, AS_OF, MIN_POSITION),
        response="SlaEvidence",
        errors=(503,),
        description="Every start, pause, resume and stop of each clock cites "
        "the event (version, log position, type, time) and the reason; the "
        "policy block says which version judged the ticket and who activated it.",
    ),
]

"""Operations endpoints: health, metrics, projection status, OpenAPI, docs."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import text
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse

from ticketing.http.docs_page import DOCS_HTML
from ticketing.http.errors import error_body
from ticketing.http.metrics import CONTENT_TYPE
from ticketing.http.openapi import build_document
from ticketing.http.routing import RouteSpec
from ticketing.queries.status import ProjectionStatus, projection_status
from ticketing.store.datastore import read_transaction

if TYPE_CHECKING:
    from starlette.responses import Response

    from ticketing.http.routing import Call
    from ticketing.runtime import Runtime

logger = logging.getLogger(__name__)


def _probe(runtime: Runtime) -> int:
    with read_transaction(runtime.engine) as conn:
        conn.execute(text("select 1"))
    return runtime.projections.source.head()


async def health(call: Call) -> Response:
    try:
        head = await call.blocking(_probe, call.api.runtime)
    except Exception as exc:  # the database is what health reports on
        logger.warning("health check: database unavailable: %s", exc)
        body = error_body("database_unavailable", "the database does not answer", {})
        return JSONResponse(body, status_code=503)
    return JSONResponse(
        {
            "status": "ok",
            "database": call.api.runtime.engine.dialect.name,
            "log_head": head,
            "projections_in_process": call.api.run_projections,
        }
    )


def _status(runtime: Runtime) -> list[ProjectionStatus]:
    return projection_status(runtime.projections, runtime.projections.clock.now())


async def metrics(call: Call) -> Response:
    try:
        statuses = await call.blocking(_status, call.api.runtime)
    except Exception as exc:  # metrics must still report the HTTP counters
        logger.warning("metrics: projection status unavailable: %s", exc)
        statuses = []
    return PlainTextResponse(
        call.api.metrics.render(statuses), headers={"Content-Type": CONTENT_TYPE}
    )


async def projections(call: Call) -> Response:
    statuses = await call.blocking(_status, call.api.runtime)
    return JSONResponse({"projections": [s.as_json() for s in statuses]})


async def openapi(call: Call) -> Response:
    specs: list[RouteSpec] = call.request.app.state.route_specs
    return JSONResponse(build_document(specs))


async def docs(call: Call) -> Response:
    return HTMLResponse(DOCS_HTML)


ROUTES: list[RouteSpec] = [
    RouteSpec(
        "GET",
        "/health",
        "health",
        "Liveness and database reachability",
        "operations",
        health,
        None,
        response="Health",
        errors=(503,),
    ),
    RouteSpec(
        "GET",
        "/metrics",
        "metrics",
        "Prometheus metrics (this worker's requests; projection lag and heartbeat)",
        "operations",
        metrics,
        None,
        media_type="text/plain",
    ),
    RouteSpec(
        "GET",
        "/projections",
        "projection_status",
        "Checkpoint, head, lag, heartbeat and errors of every projection generation",
        "operations",
        projections,
        "projection.read",
        response="ProjectionStatusList",
    ),
    RouteSpec(
        "GET",
        "/openapi.json",
        "openapi",
        "This OpenAPI 3 document",
        "operations",
        openapi,
        None,
        response="OpenApiDocument",
    ),
    RouteSpec(
        "GET",
        "/docs",
        "docs",
        "Browsable API documentation (renders /openapi.json)",
        "operations",
        docs,
        None,
        media_type="text/html",
    ),
]

"""Outer ASGI middleware: request ids, request metrics, and the last-resort 500.

Every response carries ``X-Request-Id`` (the client's, when it sent a sane
one). An exception that escaped every handler is a bug: it is logged with
its traceback and the request id, and the client gets a 500 in the standard
error format quoting that id.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import TYPE_CHECKING

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import ClientDisconnect

from ticketing.commands.validation import check_name
from ticketing.http.errors import REQUEST_ID_KEY, internal_error_response
from ticketing.http.routing import ROUTE_KEY

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from ticketing.http.metrics import Metrics

logger = logging.getLogger(__name__)

MAX_REQUEST_ID = 64


def _request_id(scope: Scope) -> str:
    given = Headers(scope=scope).get("x-request-id")
    if given and len(given) <= MAX_REQUEST_ID and check_name(given) is None:
        return given
    return uuid.uuid4().hex


class RequestMiddleware:
    """Request id, timing and metrics around the whole app; 500 on a bug."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _request_id(scope)
        scope[REQUEST_ID_KEY] = rid
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = int(message["status"])
                MutableHeaders(scope=message)["X-Request-Id"] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except ClientDisconnect:
            status = 499  # the client went away mid-request: nothing to answer
            logger.info("request %s: client disconnected", rid)
        except Exception:
            logger.exception(
                "request %s: %s %s failed", rid, scope.get("method"), scope.get("path")
            )
            if not response_started:
                await internal_error_response(rid)(scope, receive, send_with_id)
        finally:
            route = str(scope.get(ROUTE_KEY, "unmatched"))
            elapsed = time.perf_counter() - started
            self.metrics.observe_request(
                str(scope.get("method")), route, status, elapsed
            )

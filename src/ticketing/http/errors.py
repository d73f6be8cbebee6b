"""The single error mapping: every error leaves as {"error": {code, message, details}}.

Domain errors keep their stable code; the HTTP status follows from the branch
of the hierarchy. HTTP-only problems (auth, media type, size, preconditions)
are ``HttpError`` subclasses that carry their own status. Anything else is a
bug: 500 with the request id, logged with its traceback (middleware.py).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar, Final

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from ticketing.errors import (
    ConcurrencyConflictError,
    ConfigurationError,
    ConflictError,
    CorruptEventError,
    DomainError,
    InvalidCommandError,
    InvalidInputError,
    NotFoundError,
    PolicyError,
    ProjectionError,
    TicketingError,
)

if TYPE_CHECKING:
    from starlette.requests import Request

logger = logging.getLogger(__name__)

REQUEST_ID_KEY: Final = "ticketing.request_id"


class HttpError(TicketingError):
    """A problem of the HTTP exchange itself; carries its status and headers."""

    status: ClassVar[int] = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, details)
        self.headers = headers or {}


class MalformedRequestError(HttpError):
    """The body is not JSON, or a header has an unusable value."""

    status = 400
    code = "malformed_request"


class UnauthenticatedError(HttpError):
    status = 401
    code = "unauthenticated"


class ForbiddenError(HttpError):
    status = 403
    code = "forbidden"


class RouteNotFoundError(HttpError):
    status = 404
    code = "route_not_found"


class MethodNotAllowedError(HttpError):
    status = 405
    code = "method_not_allowed"


class PayloadTooLargeError(HttpError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaTypeError(HttpError):
    status = 415
    code = "unsupported_media_type"


class ProjectionBehindError(HttpError):
    """The read model did not reach the requested position within the wait bound."""

    status = 503
    code = "projection_behind"


#: Status by branch of the domain hierarchy; the first match wins.
STATUS_BY_ERROR: Final[tuple[tuple[type[TicketingError], int], ...]] = (
    (InvalidCommandError, 422),
    (InvalidInputError, 422),
    (PolicyError, 422),
    (NotFoundError, 404),
    (ConcurrencyConflictError, 409),
    (ConflictError, 409),
    (DomainError, 409),
    (CorruptEventError, 500),
    (ProjectionError, 503),
    (ConfigurationError, 500),
    (TicketingError, 500),
)


def status_for(exc: TicketingError, *, if_match_sent: bool = False) -> int:
    """The HTTP status of ``exc``; a stale If-Match is 412, other conflicts 409."""
    if isinstance(exc, HttpError):
        return exc.status
    if isinstance(exc, ConcurrencyConflictError) and if_match_sent:
        return 412
    return next(code for cls, code in STATUS_BY_ERROR if isinstance(exc, cls))


def error_body(code: str, message: str, details: dict[str, Any]) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def request_id(request: Request) -> str:
    return str(request.scope.get(REQUEST_ID_KEY, "-"))


async def handle_ticketing_error(request: Request, exc: Exception) -> JSONResponse:
    """Exception handler for every TicketingError (registered on the app)."""
    if not isinstance(exc, TicketingError):  # registration guarantees it
        raise exc
    status = status_for(exc, if_match_sent="if-match" in request.headers)
    details = dict(exc.details)
    if status >= 500:
        details["request_id"] = request_id(request)
        logger.log(
            logging.ERROR if status == 500 else logging.WARNING,
            "request %s: %s %s failed with %s: %s",
            request_id(request),
            request.method,
            request.url.path,
            exc.code,
            exc,
        )
    headers = exc.headers if isinstance(exc, HttpError) else None
    return JSONResponse(
        error_body(exc.code, exc.message, details), status_code=status, headers=headers
    )


_HTTP_CODES: Final[dict[int, type[HttpError]]] = {
    400: MalformedRequestError,
    404: RouteNotFoundError,
    405: MethodNotAllowedError,
    413: PayloadTooLargeError,
    415: UnsupportedMediaTypeError,
}


async def handle_http_exception(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own HTTPExceptions (unknown route, wrong method) in our format."""
    if not isinstance(exc, HTTPException):  # registration guarantees it
        raise exc
    cls = _HTTP_CODES.get(exc.status_code, HttpError)
    message = {
        404: f"no route {request.url.path}",
        405: f"{request.method} is not allowed on {request.url.path}",
    }.get(exc.status_code, str(exc.detail))
    body = error_body(cls.code, message, {})
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


def internal_error_response(request_id_value: str) -> JSONResponse:
    body = error_body(
        "internal_error",
        "unexpected server error; it has been logged with the request id",
        {"request_id": request_id_value},
    )
    return JSONResponse(body, status_code=500)

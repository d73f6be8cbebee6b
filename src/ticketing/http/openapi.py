"""The OpenAPI 3 document, built from the route specs the app serves.

One source: ``RouteSpec`` (routing.py) for paths, parameters, permissions
and statuses; schemas.py for bodies. tests/http/test_openapi.py walks the
app's routes and fails if any is missing here or documented but not served.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

from ticketing import __version__
from ticketing.http.auth import PERMISSIONS
from ticketing.http.schemas import components
from ticketing.http.schemas_base import ref

if TYPE_CHECKING:
    from ticketing.http.routing import RouteSpec

Doc = dict[str, Any]

_HEADERS: Final[dict[str, Doc]] = {
    "ETag": {
        "description": 'The ticket version, e.g. "3"; send it back in If-Match.',
        "schema": {"type": "string"},
    },
    "Location": {
        "description": "Where the new ticket can be read.",
        "schema": {"type": "string"},
    },
    "Idempotent-Replayed": {
        "description": "true when this is the stored response of an earlier retry.",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "X-Request-Id": {
        "description": "Quoted in logs and in 500 responses.",
        "schema": {"type": "string"},
    },
}

DESCRIPTION: Final = """\
Event-sourced IT ticketing. Authenticate with `Authorization: Bearer <token>`
(`ticketing tokens create --role ROLE --name NAME`). Errors are always
`{"error": {"code", "message", "details"}}`. Commands return the log `position`
they produced; pass it as `min_position` to a query to read your own writes.
Retries with the same `Idempotency-Key` return the first response and add no
events; `If-Match` with the ticket's ETag makes a change conditional (412 if
stale).
"""


def _roles(action: str | None) -> str:
    if action is None:
        return "Public."
    roles = [role for role, actions in PERMISSIONS.items() if action in actions]
    return f"Action `{action}`; roles: {', '.join(roles) or 'none'}."


def _json(schema: Doc) -> Doc:
    return {"application/json": {"schema": schema}}


def _success(spec: RouteSpec) -> Doc:
    content = (
        _json(ref(spec.response))
        if spec.response is not None
        else {spec.media_type: {"schema": {"type": "string"}}}
    )
    headers = {h: _HEADERS[h] for h in (*spec.response_headers, "X-Request-Id")}
    return {
        "description": HTTPStatus(spec.status).phrase,
        "headers": headers,
        "content": content,
    }


def _error(status: int) -> Doc:
    doc: Doc = {
        "description": HTTPStatus(status).phrase,
        "headers": {"X-Request-Id": _HEADERS["X-Request-Id"]},
        "content": _json(ref("Error")),
    }
    if status == 401:
        doc["headers"]["WWW-Authenticate"] = {
            "description": "Bearer challenge.",
            "schema": {"type": "string"},
        }
    return doc


def _parameter(spec: RouteSpec, index: int) -> Doc:
    p = spec.params[index]
    doc: Doc = {
        "name": p.name,
        "in": p.where,
        "required": p.required or p.where == "path",
        "schema": p.schema,
    }
    if p.description:
        doc["description"] = p.description
    if p.schema.get("type") == "array":
        doc["style"] = "form"
        doc["explode"] = True
    return doc


def operation(spec: RouteSpec) -> Doc:
    op: Doc = {
        "operationId": spec.operation_id,
        "summary": spec.summary,
        "description": f"{spec.description}\n\n{_roles(spec.action)}".strip(),
        "tags": [spec.tag],
        "parameters": [_parameter(spec, i) for i in range(len(spec.params))],
        "responses": {str(spec.status): _success(spec)},
        "security": [] if spec.action is None else [{"bearer": []}],
    }
    for status in spec.error_statuses():
        op["responses"][str(status)] = _error(status)
    if spec.body is not None:
        op["requestBody"] = {"required": True, "content": _json(ref(spec.body))}
    return op


def build_document(specs: list[RouteSpec]) -> Doc:
    """The whole document for ``specs``."""
    paths: dict[str, Doc] = {}
    for spec in specs:
        paths.setdefault(spec.path, {})[spec.method.lower()] = operation(spec)
    tags = sorted({spec.tag for spec in specs})
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "ticketing API",
            "version": __version__,
            "description": DESCRIPTION,
        },
        "tags": [{"name": t} for t in tags],
        "paths": paths,
        "components": {
            "schemas": components(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "tkt"}
            },
        },
    }

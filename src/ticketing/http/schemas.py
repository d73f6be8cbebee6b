"""OpenAPI components: request bodies generated from the command dataclasses.

commandmap.py decides which fields a client may send; the types, enums and
ranges come from the dataclass annotations. Response bodies are in
schemas_responses.py.
"""

from __future__ import annotations

import dataclasses
import typing
import uuid
from typing import Any, Final, Literal, get_args, get_origin

from ticketing.commands.messages import COMMANDS, MAX_ESCALATION_LEVEL, MAX_TAGS
from ticketing.commands.validation import TEXT_MAX, TITLE_MAX
from ticketing.http import schemas_responses as r
from ticketing.http.commandmap import ALL_COMMAND_ROUTES, body_fields
from ticketing.http.schemas_base import NAME, Schema, null, obj, object_schema
from ticketing.http.schemas_sla import COMPONENTS as SLA_AND_RULES

_TEXT_LIMITS: Final = {
    "title": TITLE_MAX,
    "description": TEXT_MAX,
    "priority_override_reason": TEXT_MAX,
    "body": TEXT_MAX,
    "reason": TEXT_MAX,
    "note": TEXT_MAX,
    "notes": TEXT_MAX,
}
_RANGES: Final = {
    "impact": (1, 3),
    "urgency": (1, 3),
    "level": (1, MAX_ESCALATION_LEVEL),
}


def _field_schema(name: str, annotation: Any) -> Schema:
    args = get_args(annotation)
    if (
        get_origin(annotation) in (typing.Union, type(int | None))
        and type(None) in args
    ):
        inner = [a for a in args if a is not type(None)]
        return null(_field_schema(name, inner[0]))
    if get_origin(annotation) is Literal:
        return {"type": "string", "enum": list(args)}
    if get_origin(annotation) is tuple:
        return {"type": "array", "items": NAME, "maxItems": MAX_TAGS}
    return _scalar_schema(name, annotation)


def _scalar_schema(name: str, annotation: Any) -> Schema:
    if annotation is uuid.UUID:
        return {"type": "string", "description": "Ticket number or id"}
    if annotation is int:
        low, high = _RANGES.get(name, (1, 2**62))
        return {"type": "integer", "minimum": low, "maximum": high}
    if annotation is not str:
        msg = f"no JSON schema for {name}: {annotation!r}"
        raise TypeError(msg)
    if name in _TEXT_LIMITS:
        return {"type": "string", "maxLength": _TEXT_LIMITS[name]}
    return NAME


def command_body_schema(command: str) -> Schema:
    """The JSON body a client sends for ``command``."""
    hints = typing.get_type_hints(COMMANDS[command])
    props: dict[str, Schema] = {}
    required: list[str] = []
    for f in body_fields(command):
        props[f.name] = _field_schema(f.name, hints[f.name])
        missing = dataclasses.MISSING
        if f.default is missing and f.default_factory is missing:
            required.append(f.name)
            if f.name in _TEXT_LIMITS:  # required free text must not be blank
                props[f.name] = {**props[f.name], "pattern": r"\S"}
    return object_schema(required, props)


def components() -> dict[str, Schema]:
    """Every named schema of the document."""
    named: dict[str, Schema] = {
        "Error": r.ERROR,
        "CommandAccepted": r.COMMAND_ACCEPTED,
        "TicketState": r.TICKET_STATE,
        "Ticket": r.TICKET,
        "Actor": r.ACTOR,
        "AuditEvent": r.AUDIT_EVENT,
        "TicketHistory": r.TICKET_HISTORY,
        "TicketStateAsOf": r.TICKET_STATE_AS_OF,
        "Comment": r.COMMENT,
        "CommentList": r.COMMENT_LIST,
        "QueueItem": r.QUEUE_ITEM,
        "TicketPage": r.TICKET_PAGE,
        "QueueCounts": r.QUEUE_COUNTS,
        "ProjectionStatus": r.PROJECTION_STATUS,
        "ProjectionStatusList": r.PROJECTION_STATUS_LIST,
        "Health": r.HEALTH,
        "Token": r.TOKEN,
        "TokenCreated": r.TOKEN_CREATED,
        "TokenList": r.TOKEN_LIST,
        "TokenRequest": r.TOKEN_REQUEST,
        "OpenApiDocument": obj(["openapi", "paths"], extra=True),
        **SLA_AND_RULES,
    }
    for route in ALL_COMMAND_ROUTES:
        named[f"{route.command}_body"] = command_body_schema(route.command)
    return named

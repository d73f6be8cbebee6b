"""JSON Schemas of response bodies, as the handlers render them (tests check them)."""

from __future__ import annotations

from typing import Final

from ticketing.aggregates.vocabulary import ACTOR_KINDS, STATES
from ticketing.http.auth import ROLES
from ticketing.http.schemas_base import (
    BOOL,
    INT,
    NAME,
    NUM,
    OBJ,
    STR,
    TIME,
    UUID_STR,
    Schema,
    null,
    obj,
    object_schema,
    ref,
)

ERROR: Final = obj(
    ["error"],
    error=obj(["code", "message", "details"], code=STR, message=STR, details=OBJ),
)

COMMAND_ACCEPTED: Final = obj(
    ["command_id", "command", "ticket_id", "number", "version", "position", "events"],
    command_id=STR,
    command=STR,
    ticket_id=UUID_STR,
    number=STR,
    version=INT,
    position=INT,
    events=INT,
)

_NSTR = null(STR)
TICKET_STATE: Final = obj(
    ["number", "type", "title", "state", "priority", "requester_id", "opened_at"],
    extra=True,
    number=STR,
    type=STR,
    title=STR,
    description=STR,
    category=_NSTR,
    subcategory=_NSTR,
    service=_NSTR,
    configuration_item=_NSTR,
    requester_id=STR,
    requester_org=_NSTR,
    requester_site=_NSTR,
    channel=STR,
    impact=INT,
    urgency=INT,
    priority=STR,
    matrix_version=STR,
    priority_overridden=BOOL,
    tags={"type": "array", "items": STR},
    state={"type": "string", "enum": list(STATES)},
    state_before_hold=_NSTR,
    hold_reason=_NSTR,
    queue=_NSTR,
    group=_NSTR,
    assignee=_NSTR,
    escalation_level=INT,
    links={"type": "array", "items": {"type": "array", "items": STR}},
    resolution_code=_NSTR,
    resolution_notes=_NSTR,
    opened_at=TIME,
    resolved_at=null(TIME),
    closed_at=null(TIME),
)

TICKET: Final = obj(
    ["ticket_id", "number", "version", "updated_at", "state"],
    ticket_id=UUID_STR,
    number=STR,
    version=INT,
    updated_at=TIME,
    state=ref("TicketState"),
)

ACTOR: Final = obj(
    ["id", "role", "kind"],
    id=STR,
    role=STR,
    kind={"type": "string", "enum": list(ACTOR_KINDS)},
)

AUDIT_EVENT: Final = obj(
    [
        "ticket_id",
        "version",
        "position",
        "event_type",
        "occurred_at",
        "recorded_at",
        "actor",
        "command_id",
        "correlation_id",
        "data",
        "changes",
        "hash",
        "prev_hash",
        "chain",
    ],
    ticket_id=UUID_STR,
    version=INT,
    position=INT,
    event_type=STR,
    occurred_at=TIME,
    recorded_at=TIME,
    actor=ref("Actor"),
    command_id=STR,
    correlation_id=STR,
    causation_id=_NSTR,
    rule_id=_NSTR,
    rule_set_version=_NSTR,
    data=OBJ,
    changes=OBJ,
    hash=STR,
    prev_hash=STR,
    chain=obj(
        ["status", "content", "link"],
        status={"type": "string", "enum": ["verified", "tampered"]},
        content={"type": "string", "enum": ["ok", "mismatch"]},
        link={"type": "string", "enum": ["ok", "genesis", "broken"]},
    ),
)

_AS_OF: Final[dict[str, Schema]] = {
    "ticket_id": UUID_STR,
    "number": STR,
    "as_of": null(TIME),
    "as_of_version": null(INT),
    "version": INT,
    "state": ref("TicketState"),
}
TICKET_STATE_AS_OF: Final = object_schema(list(_AS_OF), _AS_OF)
TICKET_HISTORY: Final = object_schema(
    [*_AS_OF, "events"],
    {**_AS_OF, "events": {"type": "array", "items": ref("AuditEvent")}},
)

COMMENT: Final = obj(
    [
        "version",
        "position",
        "occurred_at",
        "author",
        "author_kind",
        "visibility",
        "body",
    ],
    version=INT,
    position=INT,
    occurred_at=TIME,
    author=STR,
    author_kind=STR,
    visibility={"type": "string", "enum": ["public", "internal"]},
    body=STR,
)
COMMENT_LIST: Final = obj(
    ["ticket_id", "number", "comments"],
    ticket_id=UUID_STR,
    number=STR,
    comments={"type": "array", "items": ref("Comment")},
)

QUEUE_ITEM: Final = obj(
    [
        "ticket_id",
        "number",
        "type",
        "title",
        "state",
        "priority",
        "requester_id",
        "queue",
        "group",
        "assignee",
        "opened_at",
        "updated_at",
        "version",
        "age_seconds",
    ],
    ticket_id=UUID_STR,
    number=STR,
    type=STR,
    title=STR,
    state=STR,
    priority=STR,
    impact=INT,
    urgency=INT,
    category=_NSTR,
    service=_NSTR,
    configuration_item=_NSTR,
    requester_id=STR,
    requester_org=_NSTR,
    requester_site=_NSTR,
    channel=STR,
    queue=_NSTR,
    group=_NSTR,
    assignee=_NSTR,
    hold_reason=_NSTR,
    escalation_level=INT,
    reassignment_count=INT,
    reopen_count=INT,
    opened_at=TIME,
    updated_at=TIME,
    resolved_at=null(TIME),
    closed_at=null(TIME),
    version=INT,
    sla_due_at=null(TIME),
    age_seconds=NUM,
)
TICKET_PAGE: Final = obj(
    ["items", "total", "next_cursor", "position"],
    items={"type": "array", "items": ref("QueueItem")},
    total=INT,
    next_cursor=_NSTR,
    position=INT,
)
QUEUE_COUNTS: Final = obj(
    ["counts", "position"],
    counts={
        "type": "array",
        "items": obj(
            ["queue", "state", "priority", "count"],
            queue=_NSTR,
            state=STR,
            priority=STR,
            count=INT,
        ),
    },
    position=INT,
)

PROJECTION_STATUS: Final = obj(
    ["key", "generation", "status", "checkpoint", "head", "lag_events", "runner"],
    key=STR,
    generation=INT,
    status=STR,
    code_version=INT,
    current_code_version=INT,
    checkpoint=INT,
    head=INT,
    lag_events=INT,
    lag_seconds=NUM,
    events_processed=INT,
    heartbeat_at=null(TIME),
    heartbeat_age_seconds=null(NUM),
    runner=STR,
    runner_id=_NSTR,
    events_per_second=null(NUM),
    error=null(OBJ),
    interruptions=INT,
    last_interruption=null(OBJ),
)
PROJECTION_STATUS_LIST: Final = obj(
    ["projections"], projections={"type": "array", "items": ref("ProjectionStatus")}
)

HEALTH: Final = obj(
    ["status", "database", "log_head", "projections_in_process"],
    status=STR,
    database=STR,
    log_head=INT,
    projections_in_process=BOOL,
)

_TOKEN_PROPS: Final[dict[str, Schema]] = {
    "token_id": UUID_STR,
    "prefix": STR,
    "name": STR,
    "role": {"type": "string", "enum": list(ROLES)},
    "created_at": TIME,
    "revoked_at": null(TIME),
    "last_used_at": null(TIME),
}
TOKEN: Final = object_schema(list(_TOKEN_PROPS), _TOKEN_PROPS)
TOKEN_CREATED: Final = object_schema(
    [*_TOKEN_PROPS, "token"], {**_TOKEN_PROPS, "token": STR}
)
TOKEN_LIST: Final = obj(["tokens"], tokens={"type": "array", "items": ref("Token")})
TOKEN_REQUEST: Final = obj(
    ["name", "role"],
    name=NAME,
    role={"type": "string", "enum": list(ROLES)},
)

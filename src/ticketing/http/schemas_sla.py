"""JSON Schemas of the SLA and rules bodies, as the handlers read and render them."""

from __future__ import annotations

from typing import Any, Final

from ticketing.aggregates.vocabulary import ACTOR_KINDS
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
from ticketing.queries.sla import DIMENSIONS, PERIODS
from ticketing.rules.webhooks import STATUSES

_NSTR: Final = null(STR)
_NTIME: Final = null(TIME)
_NNUM: Final = null(NUM)


def _array(items: Schema, **extra: Any) -> Schema:
    return {"type": "array", "items": items, **extra}


def _enum(values: tuple[str, ...]) -> Schema:
    return {"type": "string", "enum": list(values)}


_TEXT: Final = {"type": "string", "minLength": 1}

COMPLIANCE_ROW: Final = obj(
    [
        "dimension",
        "key",
        "metric",
        "met",
        "breached",
        "total",
        "percent_met",
        "mean_business_seconds",
        "mean_wall_seconds",
    ],
    dimension=STR,
    key=STR,
    metric=STR,
    met=INT,
    breached=INT,
    total=INT,
    percent_met=_NNUM,
    mean_business_seconds=_NNUM,
    mean_wall_seconds=_NNUM,
)
_LIVE: Final = obj(
    ["running", "paused", "overdue"], running=INT, paused=INT, overdue=INT
)
SLA_REPORT: Final = obj(
    ["now", "position", "period", "by", "filters", "compliance", "live"],
    now=TIME,
    position=INT,
    period=_enum(PERIODS),
    by=_array(_enum(DIMENSIONS)),
    filters=obj(
        ["queue", "group", "priority", "type", "metric", "since", "until"],
        queue=_NSTR,
        group=_NSTR,
        priority=_array(STR),
        type=_array(STR),
        metric=_array(STR),
        since=_NTIME,
        until=_NTIME,
    ),
    compliance=_array(ref("SlaComplianceRow")),
    live=_LIVE,
)

AT_RISK_CLOCK: Final = obj(
    [
        "ticket_id",
        "number",
        "metric",
        "cycle",
        "priority",
        "queue",
        "group",
        "policy_version",
        "warn_at",
        "due_at",
        "elapsed_seconds",
        "target_seconds",
        "overdue",
        "percent",
    ],
    ticket_id=UUID_STR,
    number=STR,
    metric=STR,
    cycle=INT,
    priority=STR,
    queue=_NSTR,
    group=_NSTR,
    policy_version=STR,
    warn_at=_NTIME,
    due_at=_NTIME,
    elapsed_seconds=NUM,
    target_seconds=NUM,
    overdue=BOOL,
    percent=NUM,
)
SLA_AT_RISK: Final = obj(
    ["now", "position", "threshold", "clocks"],
    now=TIME,
    position=INT,
    threshold=null(INT),
    clocks=_array(ref("SlaAtRiskClock")),
)

_EVENT_REF: Final = obj(
    ["ticket_id", "version", "position", "event_type", "occurred_at"],
    ticket_id=UUID_STR,
    version=INT,
    position=INT,
    event_type=STR,
    occurred_at=TIME,
)
_TRANSITION: Final = obj(
    ["kind", "at", "priority", "detail", "policy_version", "calendar_version", "cause"],
    kind=STR,
    at=TIME,
    priority=STR,
    detail=STR,
    policy_version=STR,
    calendar_version=STR,
    cause=_EVENT_REF,
)
_PAUSE: Final = obj(
    ["start", "end", "reason", "paused_by", "ended_by"],
    start=TIME,
    end=_NTIME,
    reason=STR,
    paused_by=_EVENT_REF,
    ended_by=null(_EVENT_REF),
)
SLA_CLOCK: Final = obj(
    [
        "metric",
        "cycle",
        "state",
        "priority",
        "policy_version",
        "calendar_version",
        "started_at",
        "stopped_at",
        "target_seconds",
        "elapsed_seconds",
        "remaining_seconds",
        "due_at",
        "breached_at",
        "transitions",
        "pauses",
        "arithmetic",
        "thresholds",
    ],
    extra=True,  # the durations also come as text ("1h30m")
    metric=STR,
    cycle=INT,
    sequence=INT,
    state=STR,
    ticket_type=STR,
    priority=STR,
    policy_version=STR,
    calendar_version=STR,
    started_at=TIME,
    stopped_at=_NTIME,
    target_seconds=NUM,
    elapsed_seconds=NUM,
    remaining_seconds=NUM,
    due_at=_NTIME,
    breached_at=_NTIME,
    transitions=_array(_TRANSITION),
    pauses=_array(_PAUSE),
    arithmetic=_array(OBJ),
    thresholds=_array(OBJ),
)
SLA_EVIDENCE: Final = obj(
    [
        "format",
        "ticket_id",
        "number",
        "policy_version",
        "as_of",
        "clocks",
        "policy",
        "events_folded",
        "projection_position",
    ],
    format=STR,
    ticket_id=UUID_STR,
    number=STR,
    policy_version=STR,
    as_of=TIME,
    clocks=_array(ref("SlaClock")),
    policy=obj(["version", "sha256", "source"], extra=True),
    events_folded=INT,
    projection_position=INT,
)

_POLICY_TEXTS: Final[dict[str, Schema]] = {
    "policy": {**_TEXT, "description": "The policy file's TOML text."},
    "calendars": {
        "type": "object",
        "additionalProperties": STR,
        "description": "Calendar files' TOML text by version (published ones "
        "fill in the calendars not given).",
    },
}
SLA_WHATIF_REQUEST: Final = object_schema(
    [],
    {
        **_POLICY_TEXTS,
        "version": {**NAME, "description": "Or: a published or activated version."},
        "by": _array(_enum(DIMENSIONS), minItems=1),
        "period": _enum(PERIODS),
        "limit": {"type": "integer", "minimum": 0, "maximum": 10_000},
    },
)
_OUTCOME: Final = obj(
    [
        "outcome",
        "state",
        "priority",
        "policy_version",
        "target_seconds",
        "elapsed_seconds",
        "due_at",
        "breached_at",
    ],
    outcome=_enum(("met", "breached", "canceled", "on_track", "overdue")),
    state=STR,
    priority=STR,
    policy_version=STR,
    target_seconds=NUM,
    elapsed_seconds=NUM,
    due_at=_NTIME,
    breached_at=_NTIME,
)
_SIDE: Final = obj(
    ["policy", "compliance", "live"],
    policy=STR,
    compliance=_array(ref("SlaComplianceRow")),
    live=_LIVE,
)
SLA_WHATIF: Final = obj(
    [
        "candidate",
        "position",
        "now",
        "period",
        "by",
        "old",
        "new",
        "clocks_compared",
        "flips",
        "flips_total",
        "build_seconds",
    ],
    candidate=obj(["version", "sha256"], version=STR, sha256=STR),
    position=INT,
    now=TIME,
    period=_enum(PERIODS),
    by=_array(_enum(DIMENSIONS)),
    old=_SIDE,
    new=_SIDE,
    clocks_compared=INT,
    flips=_array(
        obj(
            ["ticket_id", "number", "metric", "cycle", "old", "new"],
            ticket_id=UUID_STR,
            number=STR,
            metric=STR,
            cycle=INT,
            old=null(_OUTCOME),
            new=null(_OUTCOME),
        )
    ),
    flips_total=INT,
    build_seconds=NUM,
)

_SLA_ACTIVATION_PROPS: Final[dict[str, Schema]] = {
    "position": INT,
    "version": STR,
    "sha256": STR,
    "effective_from": TIME,
    "activated_at": TIME,
    "activated_by": STR,
    "documents": _array(STR),
}
_IN_FORCE: Final = obj(["version", "source"], version=STR, source=STR)
SLA_POLICIES: Final = obj(
    ["now", "in_force", "activations", "published"],
    now=TIME,
    in_force=_IN_FORCE,
    activations=_array(
        object_schema(list(_SLA_ACTIVATION_PROPS), _SLA_ACTIVATION_PROPS)
    ),
    published=_array(STR),
)
SLA_POLICY_REQUEST: Final = object_schema(
    ["policy"], {**_POLICY_TEXTS, "effective_from": TIME}
)
SLA_POLICY_ACTIVATED: Final = object_schema(
    [*_SLA_ACTIVATION_PROPS, "in_force"],
    {**_SLA_ACTIVATION_PROPS, "in_force": _IN_FORCE},
)

_RULES_ACTIVATION_PROPS: Final[dict[str, Schema]] = {
    "version": STR,
    "effective_from": TIME,
    "sha256": STR,
    "documents": _array(STR),
    "actor": STR,
    "actor_kind": _enum(ACTOR_KINDS),
    "occurred_at": TIME,
    "recorded_at": TIME,
    "command_id": STR,
    "position": INT,
    "status": _enum(("in force", "scheduled", "superseded")),
}
RULES_ACTIVATION: Final = object_schema(
    list(_RULES_ACTIVATION_PROPS), _RULES_ACTIVATION_PROPS
)
RULE_SET_HISTORY: Final = obj(
    ["in_force", "at", "activations"],
    in_force=null(RULES_ACTIVATION),
    at=TIME,
    activations=_array(ref("RuleSetActivation")),
)
_RULES_TEXT: Final = {**_TEXT, "description": "The rule file's TOML text."}
RULE_SET_REQUEST: Final = obj(
    ["rules"],
    rules=_RULES_TEXT,
    name={**NAME, "description": "Document name recorded (default rules.toml)."},
    effective_from=TIME,
)
RULE_SET_ACTIVATED: Final = object_schema(
    [*_RULES_ACTIVATION_PROPS, "in_force"],
    {**_RULES_ACTIVATION_PROPS, "in_force": null(RULES_ACTIVATION)},
)
RULES_PREVIEW_REQUEST: Final = obj(
    ["rules"],
    rules=_RULES_TEXT,
    include_imports=BOOL,
    limit={"type": "integer", "minimum": 0, "maximum": 10_000},
)
_DIFFERENCE: Final = obj(
    [
        "position",
        "ticket_id",
        "number",
        "event",
        "trigger",
        "depth",
        "in_force",
        "kind",
        "actual",
        "candidate",
        "candidate_rule",
        "actual_rule",
        "text",
    ],
    position=INT,
    ticket_id=UUID_STR,
    number=STR,
    event=STR,
    trigger=STR,
    depth=INT,
    in_force=_NSTR,
    kind=STR,
    actual=OBJ,
    candidate=OBJ,
    candidate_rule=_NSTR,
    actual_rule=_NSTR,
    text=STR,
)
RULES_PREVIEW: Final = obj(
    ["counterfactual", "note", "candidate", "summary", "differences"],
    counterfactual=BOOL,
    note=STR,
    candidate=obj(["version", "file", "sha256"], version=STR, file=STR, sha256=STR),
    summary=obj(
        ["log_head", "tickets", "trigger_points", "differences", "differences_shown"],
        extra=True,
        log_head=INT,
        tickets=INT,
        trigger_points=INT,
        differences=INT,
        differences_shown=INT,
    ),
    differences=_array(_DIFFERENCE),
)
WEBHOOK_DELIVERY: Final = obj(
    [
        "id",
        "created_at",
        "ticket_id",
        "ticket_number",
        "trigger",
        "rule_id",
        "rule_set_version",
        "name",
        "url",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status",
        "last_error",
        "finished_at",
        "attempt_log",
    ],
    extra=True,
    id=STR,
    created_at=TIME,
    ticket_id=STR,
    ticket_number=STR,
    trigger=STR,
    rule_id=STR,
    rule_set_version=STR,
    name=STR,
    url=STR,
    status=_enum(STATUSES),
    attempts=INT,
    next_attempt_at=TIME,
    lease_until=_NTIME,
    last_status=null(INT),
    last_error=_NSTR,
    finished_at=_NTIME,
    attempt_log=_array(OBJ),
)
WEBHOOK_DELIVERIES: Final = obj(
    ["deliveries"], deliveries=_array(ref("WebhookDelivery"))
)

COMPONENTS: Final[dict[str, Schema]] = {
    "SlaComplianceRow": COMPLIANCE_ROW,
    "SlaReport": SLA_REPORT,
    "SlaAtRiskClock": AT_RISK_CLOCK,
    "SlaAtRisk": SLA_AT_RISK,
    "SlaClock": SLA_CLOCK,
    "SlaEvidence": SLA_EVIDENCE,
    "SlaWhatIfRequest": SLA_WHATIF_REQUEST,
    "SlaWhatIf": SLA_WHATIF,
    "SlaPolicies": SLA_POLICIES,
    "SlaPolicyRequest": SLA_POLICY_REQUEST,
    "SlaPolicyActivated": SLA_POLICY_ACTIVATED,
    "RuleSetActivation": RULES_ACTIVATION,
    "RuleSetHistory": RULE_SET_HISTORY,
    "RuleSetRequest": RULE_SET_REQUEST,
    "RuleSetActivated": RULE_SET_ACTIVATED,
    "RulesPreviewRequest": RULES_PREVIEW_REQUEST,
    "RulesPreview": RULES_PREVIEW,
    "WebhookDelivery": WEBHOOK_DELIVERY,
    "WebhookDeliveries": WEBHOOK_DELIVERIES,
}

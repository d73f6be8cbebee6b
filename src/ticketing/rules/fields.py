"""The fields a rule condition may name, with their types: the authors' vocabulary.

This table is the single source of truth: the expression compiler derives its
type checks from it and docs/rules.md documents it (a test keeps them in step).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

#: How a field's value looks to a rule author. A ``?`` suffix means "may be null".
FieldKind = Literal[
    "string",
    "string?",
    "number",
    "number?",
    "boolean",
    "set of strings",
    "duration",
    "datetime",
]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of the ticket facts as seen from a rule condition."""

    name: str
    kind: FieldKind
    doc: str


FIELDS: Final[tuple[FieldSpec, ...]] = (
    FieldSpec("type", "string", "incident, service_request, problem or change"),
    FieldSpec("category", "string?", "category, null when not set"),
    FieldSpec("subcategory", "string?", "subcategory, null when not set"),
    FieldSpec("service", "string?", "affected business service"),
    FieldSpec("configuration_item", "string?", "affected configuration item"),
    FieldSpec("requester_id", "string", "who asked"),
    FieldSpec("requester_org", "string?", "the requester's organisation"),
    FieldSpec("requester_site", "string?", "the requester's site"),
    FieldSpec("channel", "string", "web, email, phone, chat, ..."),
    FieldSpec("impact", "number", "1 (high) to 3 (low)"),
    FieldSpec("urgency", "number", "1 (high) to 3 (low)"),
    FieldSpec("priority", "string", "P1 to P5, from the priority matrix"),
    FieldSpec("priority_overridden", "boolean", "true when set by hand"),
    FieldSpec("state", "string", "new, in_progress, on_hold, resolved, ..."),
    FieldSpec("hold_reason", "string?", "awaiting_caller, ...; null unless on hold"),
    FieldSpec("queue", "string?", "current queue, null before routing"),
    FieldSpec("group", "string?", "current assignment group"),
    FieldSpec("assignee", "string?", "current assignee (agent id)"),
    FieldSpec("escalation_level", "number", "0 when never escalated"),
    FieldSpec("tags", "set of strings", "the ticket's tags"),
    FieldSpec("title", "string", "the title as written"),
    FieldSpec("description", "string", "the description as written"),
    FieldSpec("words", "set of strings", "lower-cased words of title + description"),
    FieldSpec("opened_at", "datetime", "when the ticket was opened (UTC)"),
    FieldSpec("last_activity_at", "datetime", "time of the ticket's latest event"),
    FieldSpec("now", "datetime", "the evaluation instant (passed in, never read)"),
    FieldSpec("age", "duration", "now - opened_at (wall time)"),
    FieldSpec("idle", "duration", "now - last_activity_at (wall time)"),
    FieldSpec("sla_percent", "number?", "elapsed share of the SLA target, in %"),
)

FIELD_NAMES: Final[frozenset[str]] = frozenset(f.name for f in FIELDS)

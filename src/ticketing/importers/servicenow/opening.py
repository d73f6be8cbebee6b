"""Opening an imported incident: actors, notes, the open command's arguments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from ticketing.aggregates.envelope import Actor
from ticketing.importers.servicenow import mapping as mp
from ticketing.importers.servicenow.source import parse_source_time

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from ticketing.importers.servicenow.source import SourceRow

ROLE: Final = "servicenow-user"
UNKNOWN_USER: Final = "servicenow-unknown"
IMPORTER: Final = Actor(id="servicenow-import", role="importer", kind="import")
TAG: Final = "servicenow"


@dataclass(frozen=True, slots=True)
class Note:
    """A row skipped or adjusted, or a mapping decision worth counting."""

    kind: str
    number: str
    line: int
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "incident": self.number,
            "line": self.line,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class ProblemRef:
    """An incident's link to a problem id (the log has no problem records)."""

    key: str
    value: str
    at: datetime
    line: int


def actor(value: str | None) -> Actor:
    """The source user as an import actor (its id kept verbatim)."""
    return Actor(id=value or UNKNOWN_USER, role=ROLE, kind="import")


def problem_key(value: str) -> str:
    return f"prb.{mp.slug(value)}"


def opened_at(row: SourceRow, note: Callable[[str, int, str], None]) -> datetime:
    """``opened_at`` of the first row; its update time when missing or unreadable."""
    raw = row.get("opened_at")
    parsed = parse_source_time(raw, row.zone) if raw else None
    if parsed is None:
        note("missing_opened_at", row.line, f"opened_at {raw!r}: first update used")
        return row.updated_at
    if parsed > row.updated_at:
        detail = f"opened_at {parsed.isoformat()} is after the first update"
        note("opened_after_first_update", row.line, detail)
    return parsed


def open_args(row: SourceRow, priority: mp.PriorityFields) -> dict[str, Any]:
    """Arguments of ``open_ticket``: the source's values, number kept."""
    number = row.number
    category, subcategory = row.get("category"), row.get("subcategory")
    what = " / ".join(v for v in (category, subcategory) if v) or "uncategorised"
    symptom = row.get("u_symptom")
    args: dict[str, Any] = {
        "type": "incident",
        "number": number,
        "title": f"ServiceNow {number}: {what}",
        "description": "Imported from a ServiceNow incident log"
        + (f"; symptom: {symptom}." if symptom else "."),
        "impact": priority.impact,
        "urgency": priority.urgency,
        "requester_id": row.get("caller_id") or UNKNOWN_USER,
        "channel": mp.channel(row.get("contact_type")),
        "category": category,
        "subcategory": subcategory,
        "configuration_item": row.get("cmdb_ci"),
        "requester_site": row.get("location"),
        "tags": [TAG],
    }
    if priority.override is not None:
        args["priority_override"] = priority.override
        args["priority_override_reason"] = priority.reason
    return args

"""Value objects the Ticket aggregate decides on: a draft to open, a priority change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ticketing.errors import InvalidCommandError

if TYPE_CHECKING:
    from ticketing.aggregates.vocabulary import Priority, TicketType
    from ticketing.policies.priority import PriorityMatrix


@dataclass(frozen=True, slots=True)
class TicketDraft:
    """Everything needed to open a ticket, already validated by the command layer."""

    number: str
    type: TicketType
    title: str
    description: str
    impact: int
    urgency: int
    matrix: PriorityMatrix
    requester_id: str
    channel: str
    category: str | None = None
    subcategory: str | None = None
    service: str | None = None
    configuration_item: str | None = None
    requester_org: str | None = None
    requester_site: str | None = None
    priority_override: Priority | None = None
    priority_override_reason: str | None = None
    tags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _require_reason(
            self.priority_override,
            self.priority_override_reason,
            "priority_override_reason",
        )

    def event_fields(self) -> dict[str, Any]:
        priority = self.priority_override or self.matrix.priority_for(
            self.impact, self.urgency
        )
        return {
            "number": self.number,
            "type": self.type,
            "title": self.title,
            "description": self.description,
            "category": self.category,
            "subcategory": self.subcategory,
            "service": self.service,
            "configuration_item": self.configuration_item,
            "requester_id": self.requester_id,
            "requester_org": self.requester_org,
            "requester_site": self.requester_site,
            "channel": self.channel,
            "impact": self.impact,
            "urgency": self.urgency,
            "priority": priority,
            "matrix_version": self.matrix.version,
            "priority_override_reason": (
                self.priority_override_reason if self.priority_override else None
            ),
            "tags": sorted(set(self.tags)),
        }


@dataclass(frozen=True, slots=True)
class PriorityChange:
    """New impact and/or urgency (priority via the matrix), or an explicit override."""

    matrix: PriorityMatrix
    impact: int | None = None
    urgency: int | None = None
    override: Priority | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        _require_reason(self.override, self.reason, "reason")


def _require_reason(override: Priority | None, reason: str | None, field: str) -> None:
    """An explicit priority override is only accepted with a non-blank reason."""
    if override is not None and not (reason or "").strip():
        raise InvalidCommandError.for_fields(
            {field: "a reason is required with a priority override"}
        )

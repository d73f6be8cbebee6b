"""DTOs returned by queue queries."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

if TYPE_CHECKING:
    from collections.abc import Mapping


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One ticket as a queue shows it."""

    ticket_id: UUID
    number: str
    type: str
    title: str
    state: str
    priority: str
    impact: int
    urgency: int
    category: str | None
    service: str | None
    configuration_item: str | None
    requester_id: str
    requester_org: str | None
    requester_site: str | None
    channel: str
    queue: str | None
    group: str | None
    assignee: str | None
    hold_reason: str | None
    escalation_level: int
    reassignment_count: int
    reopen_count: int
    opened_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    version: int
    #: Filled from the SLA projection when one is active (None until then).
    sla_due_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> QueueItem:
        names = set(cls.__dataclass_fields__)
        values = {k: v for k, v in row.items() if k in names}
        values["group"] = row["group_name"]
        return cls(**values)

    def age_seconds(self, now: datetime) -> float:
        end = self.closed_at or now
        return max(0.0, (end - self.opened_at).total_seconds())

    def as_json(self, now: datetime) -> dict[str, Any]:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, datetime):
                data[key] = value.isoformat()
            elif isinstance(value, UUID):
                data[key] = str(value)
        data["age_seconds"] = round(self.age_seconds(now), 3)
        return data

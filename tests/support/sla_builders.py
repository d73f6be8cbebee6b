"""Builders for SLA tests: UTC times, calendars from inline data, ticket stories.

A ``TicketStory`` drives the real Ticket aggregate, so every event a test feeds
to the SLA evaluator is one the write model can actually produce.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from ticketing.aggregates.drafts import PriorityChange, TicketDraft
from ticketing.aggregates.envelope import Actor, Envelope, EventContext
from ticketing.aggregates.ticket import Ticket, TicketEvent
from ticketing.policies.calendar_file import PUBLISHED_CALENDARS, parse_calendar
from ticketing.policies.policy_file import read_toml
from ticketing.policies.priority import load_priority_matrix
from ticketing.policies.sla_file import DATA_DIR, load_sla_policy, parse_sla_policy
from ticketing.sla.clocks import SlaEvaluator

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ticketing.aggregates.vocabulary import (
        AuthorKind,
        HoldReason,
        Priority,
        TicketType,
        Visibility,
    )
    from ticketing.policies.calendar import Calendar
    from ticketing.policies.sla import SlaPolicy

AGENT = Actor(id="agent-7", role="agent", kind="human")
MATRIX = load_priority_matrix()


def utc(text: str) -> datetime:
    """``"2026-03-02 09:00"`` read as UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def local(text: str, zone: str) -> datetime:
    """``"2026-03-02 09:00"`` read as a wall time in ``zone``, returned in UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def calendar(
    windows: Mapping[str, list[str]],
    zone: str = "Europe/Amsterdam",
    holidays: tuple[str, ...] = (),
    version: str = "test-calendar",
) -> Calendar:
    """A calendar built through the real file parser from inline data."""
    raw: dict[str, Any] = {
        "version": version,
        "time_zone": zone,
        "windows": dict(windows),
        "holidays": [
            {"date": datetime.fromisoformat(d).date(), "name": f"holiday {d}"}
            for d in holidays
        ],
    }
    return parse_calendar(raw, f"<{version}>")


def ams(text: str) -> datetime:
    """A Europe/Amsterdam wall time (the zone of nl-office-v1), in UTC."""
    return local(text, "Europe/Amsterdam")


def evaluator(sla: SlaPolicy | None = None) -> SlaEvaluator:
    """An evaluator over the published calendars (default-v1 unless given)."""
    return SlaEvaluator(sla or load_sla_policy(), PUBLISHED_CALENDARS)


def default_policy_raw() -> dict[str, Any]:
    """The decoded default-v1 policy file, for tests that vary one option."""
    return read_toml(DATA_DIR / "default-v1.toml")


def policy(**options: object) -> SlaPolicy:
    """default-v1 with top-level keys replaced (``reopen="new_cycle"`` ...)."""
    raw = default_policy_raw() | options | {"version": "test-policy"}
    return parse_sla_policy(raw, "<test-policy>", PUBLISHED_CALENDARS)


@dataclass
class TicketStory:
    """One ticket's history, told through the aggregate; positions step by 7."""

    opened_at: datetime
    priority: Priority = "P3"
    ticket_type: TicketType = "incident"
    ticket_id: UUID = field(default_factory=uuid4)
    first_position: int = 100
    ticket: Ticket = field(init=False)
    events: list[TicketEvent] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        draft = TicketDraft(
            number="INC0000001",
            type=self.ticket_type,
            title="printer on fire",
            description="it is really on fire",
            impact=2,
            urgency=2,
            matrix=MATRIX,
            requester_id="req-1",
            channel="web",
            priority_override=self.priority,
            priority_override_reason="set by test",
        )
        self.ticket = Ticket.open(self.ticket_id, self._ctx(self.opened_at), draft)
        self._collect()

    @property
    def history(self) -> list[tuple[int, TicketEvent]]:
        return [(self.first_position + 7 * i, e) for i, e in enumerate(self.events)]

    def comment(
        self,
        at: datetime,
        visibility: Visibility = "public",
        author: AuthorKind = "agent",
    ) -> TicketStory:
        self.ticket.comment(self._ctx(at), "a comment", visibility, author)
        return self._collect()

    def hold(self, at: datetime, reason: HoldReason = "awaiting_caller") -> TicketStory:
        self.ticket.put_on_hold(self._ctx(at), reason, None)
        return self._collect()

    def resume(self, at: datetime) -> TicketStory:
        self.ticket.resume(self._ctx(at), None)
        return self._collect()

    def resolve(self, at: datetime) -> TicketStory:
        self.ticket.resolve(self._ctx(at), "fixed", "replaced the toner")
        return self._collect()

    def reopen(self, at: datetime) -> TicketStory:
        self.ticket.reopen(self._ctx(at), "still broken")
        return self._collect()

    def close(self, at: datetime) -> TicketStory:
        self.ticket.close(self._ctx(at), None)
        return self._collect()

    def cancel(self, at: datetime) -> TicketStory:
        self.ticket.cancel(self._ctx(at), "duplicate")
        return self._collect()

    def change_priority(
        self, at: datetime, priority: Priority, impact: int | None = None
    ) -> TicketStory:
        change = PriorityChange(
            matrix=MATRIX, impact=impact, override=priority, reason="re-triaged"
        )
        self.ticket.change_priority(self._ctx(at), change)
        return self._collect()

    def route(self, at: datetime, queue: str) -> TicketStory:
        self.ticket.route(self._ctx(at), queue, None)
        return self._collect()

    def _ctx(self, at: datetime) -> EventContext:
        command_id = f"cmd-{len(self.events) + 1}"
        envelope = Envelope(
            actor=AGENT, command_id=command_id, correlation_id=command_id
        )
        return EventContext(envelope=envelope, occurred_at=at)

    def _collect(self) -> TicketStory:
        self.events.extend(cast("TicketEvent", e) for e in self.ticket.collect_events())
        return self

"""Given/when/then helpers for aggregate tests: build histories, compare events."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ticketing.aggregates.drafts import TicketDraft
from ticketing.aggregates.envelope import Actor, Envelope, EventContext
from ticketing.aggregates.ticket import Ticket
from ticketing.policies.priority import load_priority_matrix

MATRIX = load_priority_matrix()
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning
AGENT = Actor(id="alice", role="agent", kind="human")
_METADATA = {
    "originator_id",
    "originator_version",
    "timestamp",
    "meta",
    "originator_topic",
}


@dataclass
class Timeline:
    """Hands out event contexts one minute apart, like a clock that ticks."""

    at: datetime = T0
    actor: Actor = AGENT
    step: timedelta = field(default=timedelta(minutes=1))

    def next(self) -> EventContext:
        self.at += self.step
        command_id = str(uuid.uuid4())
        envelope = Envelope(
            actor=self.actor, command_id=command_id, correlation_id=command_id
        )
        return EventContext(envelope=envelope, occurred_at=self.at)


def draft(**overrides: Any) -> TicketDraft:
    values: dict[str, Any] = {
        "number": "INC0000001",
        "type": "incident",
        "title": "Printer on fire",
        "description": "Third floor",
        "impact": 2,
        "urgency": 2,
        "matrix": MATRIX,
        "requester_id": "bob",
        "channel": "phone",
    }
    values.update(overrides)
    return TicketDraft(**values)


Step = Callable[[Ticket, Timeline], None]


def given(*steps: Step, **draft_fields: Any) -> Ticket:
    """A ticket opened with ``draft_fields`` and then driven through ``steps``;
    its pending events are drained so that only the 'when' is left to check."""
    timeline = Timeline()
    ticket = Ticket.open(uuid.uuid4(), timeline.next(), draft(**draft_fields))
    for step in steps:
        step(ticket, timeline)
    ticket.collect_events()
    ticket._timeline = timeline  # type: ignore[attr-defined]
    return ticket


def ctx_for(ticket: Ticket) -> EventContext:
    """The next event context on the ticket's timeline."""
    timeline: Timeline = ticket._timeline  # type: ignore[attr-defined]
    return timeline.next()


def then_events(ticket: Ticket) -> list[tuple[str, dict[str, Any]]]:
    """Drain pending events as comparable (type, fields-without-metadata) pairs."""
    return [as_fields(e) for e in ticket.collect_events()]


def as_fields(event: object) -> tuple[str, dict[str, Any]]:
    fields = {k: v for k, v in vars(event).items() if k not in _METADATA}
    return type(event).__name__, fields


def expect(event_class: type, **fields: Any) -> tuple[str, dict[str, Any]]:
    return event_class.__name__, fields


# Step builders (each returns a function applied by ``given``).
def routed(queue: str = "service-desk", group: str | None = None) -> Step:
    return lambda t, tl: t.route(tl.next(), queue, group)


def assigned(agent: str = "alice", group: str | None = None) -> Step:
    return lambda t, tl: t.assign(tl.next(), agent, group)


def on_hold(reason: Any = "awaiting_caller") -> Step:
    return lambda t, tl: t.put_on_hold(tl.next(), reason, None)


def resumed() -> Step:
    return lambda t, tl: t.resume(tl.next(), None)


def resolved(code: str = "fixed") -> Step:
    return lambda t, tl: t.resolve(tl.next(), code, "done")


def reopened() -> Step:
    return lambda t, tl: t.reopen(tl.next(), "still broken")


def closed() -> Step:
    return lambda t, tl: t.close(tl.next(), None)


def canceled() -> Step:
    return lambda t, tl: t.cancel(tl.next(), "duplicate")

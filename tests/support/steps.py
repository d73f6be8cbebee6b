"""More given-steps for aggregate tests, and one history per lifecycle state."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.support.builders import (
    MATRIX,
    Step,
    assigned,
    canceled,
    closed,
    on_hold,
    resolved,
)
from ticketing.aggregates.drafts import PriorityChange

if TYPE_CHECKING:
    from ticketing.aggregates.vocabulary import State

TARGET = "0b4f3b8e-3c7e-4a53-9d55-2f4f1f1f0a01"


def linked(kind: Any = "parent", target: str = TARGET) -> Step:
    return lambda t, tl: t.link(tl.next(), kind, target)


def tagged(tag: str = "vip") -> Step:
    return lambda t, tl: t.tag(tl.next(), tag)


def escalated(level: int | None = None) -> Step:
    return lambda t, tl: t.escalate(tl.next(), level, "customer chased")


def commented(body: str = "any news?") -> Step:
    return lambda t, tl: t.comment(tl.next(), body, "public", "agent")


def reprioritised(impact: int | None = None, urgency: int | None = None) -> Step:
    change = PriorityChange(matrix=MATRIX, impact=impact, urgency=urgency)
    return lambda t, tl: t.change_priority(tl.next(), change)


#: A shortest history that leaves a freshly opened ticket in each state.
STATE_HISTORIES: dict[State, tuple[Step, ...]] = {
    "new": (),
    "in_progress": (assigned(),),
    "on_hold": (assigned(), on_hold()),
    "resolved": (resolved(),),
    "closed": (resolved(), closed()),
    "canceled": (canceled(),),
}

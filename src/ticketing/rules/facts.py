"""Ticket facts: the frozen, clock-free input of rule evaluation.

Build them from a ``Ticket`` aggregate (``facts_from_ticket``) or from a plain
mapping (``facts_from_mapping``, e.g. a projection row or a preview fixture).
Time-dependent facts (age, idle time) are derived from an instant passed in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from ticketing.aggregates.vocabulary import (
    HOLD_REASONS,
    PRIORITIES,
    STATES,
    TICKET_TYPES,
    HoldReason,
    Priority,
    State,
    TicketType,
)
from ticketing.commands.messages import MAX_ESCALATION_LEVEL
from ticketing.errors import InvalidCommandError

if TYPE_CHECKING:
    from ticketing.aggregates.ticket import Ticket

_WORD: Final = re.compile(r"\w+")
_ZERO: Final = timedelta(0)


def words_of(*texts: str) -> frozenset[str]:
    """Lower-cased (casefolded) runs of letters, digits and underscores."""
    return frozenset(w for text in texts for w in _WORD.findall(text.casefold()))


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketFacts:
    """What a rule may look at: the ticket's current fields plus its times.

    ``sla_percent`` is an optional input (the elapsed share of the SLA target,
    computed by whoever owns the SLA clock); ``words`` is derived.
    """

    type: TicketType
    title: str
    requester_id: str
    impact: int
    urgency: int
    priority: Priority
    opened_at: datetime
    last_activity_at: datetime
    description: str = ""
    category: str | None = None
    subcategory: str | None = None
    service: str | None = None
    configuration_item: str | None = None
    requester_org: str | None = None
    requester_site: str | None = None
    channel: str = "web"
    priority_overridden: bool = False
    state: State = "new"
    hold_reason: HoldReason | None = None
    queue: str | None = None
    group: str | None = None
    assignee: str | None = None
    escalation_level: int = 0
    tags: frozenset[str] = frozenset()
    sla_percent: float | None = None
    words: frozenset[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("opened_at", "last_activity_at"):
            if getattr(self, name).tzinfo is None:
                msg = f"{name} must be timezone-aware"
                raise ValueError(msg)
        object.__setattr__(self, "words", words_of(self.title, self.description))

    def age(self, now: datetime) -> timedelta:
        """Wall time since opening at ``now``; never negative."""
        return max(now - self.opened_at, _ZERO)

    def idle(self, now: datetime) -> timedelta:
        """Wall time since the latest event at ``now``; never negative."""
        return max(now - self.last_activity_at, _ZERO)


def facts_from_ticket(
    ticket: Ticket, *, sla_percent: float | None = None
) -> TicketFacts:
    """The facts of a ticket aggregate; its latest event time is the last activity."""
    return TicketFacts(
        type=ticket.type,
        title=ticket.title,
        description=ticket.description,
        category=ticket.category,
        subcategory=ticket.subcategory,
        service=ticket.service,
        configuration_item=ticket.configuration_item,
        requester_id=ticket.requester_id,
        requester_org=ticket.requester_org,
        requester_site=ticket.requester_site,
        channel=ticket.channel,
        impact=ticket.impact,
        urgency=ticket.urgency,
        priority=ticket.priority,
        priority_overridden=ticket.priority_overridden,
        state=ticket.state,
        hold_reason=ticket.hold_reason,
        queue=ticket.queue,
        group=ticket.group,
        assignee=ticket.assignee,
        escalation_level=ticket.escalation_level,
        tags=frozenset(ticket.tags),
        opened_at=ticket.opened_at,
        last_activity_at=ticket.modified_on,
        sla_percent=sla_percent,
    )


def facts_from_mapping(data: Mapping[str, Any]) -> TicketFacts:
    """Facts from plain data (JSON-like); every bad key is reported at once.

    Datetimes may be ``datetime`` objects or ISO-8601 strings with an offset;
    ``last_activity_at`` defaults to ``opened_at``; ``tags`` is any list of strings.
    """
    known = {f.name for f in fields(TicketFacts) if f.init}
    problems = {k: "unknown fact" for k in data if k not in known}
    values: dict[str, Any] = {}
    for name, check in _CHECKS.items():
        if name not in data:
            if name in _REQUIRED:
                problems[name] = "is required"
            continue
        value, problem = check(data[name])
        if problem:
            problems[name] = problem
        else:
            values[name] = value
    if problems:
        raise InvalidCommandError.for_fields(problems)
    values.setdefault("last_activity_at", values["opened_at"])
    return TicketFacts(**values)


_Checked = tuple[Any, str | None]
_Check = Callable[[object], _Checked]


def _choice(allowed: Collection[str], *, nullable: bool = False) -> _Check:
    def check(value: object) -> _Checked:
        if value is None and nullable:
            return None, None
        if value not in allowed:
            return None, f"must be one of: {', '.join(allowed)}"
        return value, None

    return check


def _text(*, nullable: bool) -> _Check:
    def check(value: object) -> _Checked:
        if value is None and nullable:
            return None, None
        if not isinstance(value, str):
            return None, "must be a string"
        return value, None

    return check


def _integer(low: int, high: int) -> _Check:
    def check(value: object) -> _Checked:
        if isinstance(value, bool) or not isinstance(value, int):
            return None, "must be an integer"
        if not low <= value <= high:
            return None, f"must be between {low} and {high}"
        return value, None

    return check


def _boolean(value: object) -> _Checked:
    if not isinstance(value, bool):
        return None, "must be true or false"
    return value, None


def _instant(value: object) -> _Checked:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None, "must be an ISO-8601 date-time"
    if not isinstance(value, datetime):
        return None, "must be a date-time"
    if value.tzinfo is None:
        return None, "must carry a UTC offset"
    return value, None


def _tags(value: object) -> _Checked:
    if isinstance(value, str) or not isinstance(value, Collection):
        return None, "must be a list of strings"
    if not all(isinstance(t, str) for t in value):
        return None, "must be a list of strings"
    return frozenset(value), None


def _percent(value: object) -> _Checked:
    if value is None:
        return None, None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None, "must be a number or null"
    if value < 0:
        return None, "must not be negative"
    return float(value), None


_REQUIRED: Final = frozenset(
    {"type", "title", "requester_id", "impact", "urgency", "priority", "opened_at"}
)
_CHECKS: Final[dict[str, _Check]] = {
    "type": _choice(TICKET_TYPES),
    "title": _text(nullable=False),
    "description": _text(nullable=False),
    "category": _text(nullable=True),
    "subcategory": _text(nullable=True),
    "service": _text(nullable=True),
    "configuration_item": _text(nullable=True),
    "requester_id": _text(nullable=False),
    "requester_org": _text(nullable=True),
    "requester_site": _text(nullable=True),
    "channel": _text(nullable=False),
    "impact": _integer(1, 3),
    "urgency": _integer(1, 3),
    "priority": _choice(PRIORITIES),
    "priority_overridden": _boolean,
    "state": _choice(STATES),
    "hold_reason": _choice(HOLD_REASONS, nullable=True),
    "queue": _text(nullable=True),
    "group": _text(nullable=True),
    "assignee": _text(nullable=True),
    "escalation_level": _integer(0, MAX_ESCALATION_LEVEL),
    "tags": _tags,
    "opened_at": _instant,
    "last_activity_at": _instant,
    "sla_percent": _percent,
}

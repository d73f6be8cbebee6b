"""SLA policy: response and resolution targets per priority (and ticket type).

One immutable SlaPolicy per published version (``data/sla/<version>.toml``).
Ordering law, checked on load for every ticket type and metric: a target never
gets stricter as priority drops, i.e. for the same start instant the due instant
of P(n+1) is never earlier than that of P(n). See docs/sla.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Final, Literal, get_args

from ticketing.aggregates.vocabulary import (
    HOLD_REASONS,
    PRIORITIES,
    TICKET_TYPES,
    HoldReason,
    Priority,
    TicketType,
)
from ticketing.policies.policy_file import format_duration

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import timedelta

    from ticketing.policies.calendar import Calendar

Metric = Literal["response", "resolution"]
PriorityChangeMode = Literal["retroactive", "restart"]
ReopenMode = Literal["resume", "new_cycle"]

METRICS: Final[tuple[Metric, ...]] = get_args(Metric)
PRIORITY_CHANGE_MODES: Final[tuple[PriorityChangeMode, ...]] = get_args(
    PriorityChangeMode
)
REOPEN_MODES: Final[tuple[ReopenMode, ...]] = get_args(ReopenMode)
DEFAULT_PAUSING_HOLD_REASONS: Final[frozenset[HoldReason]] = frozenset(HOLD_REASONS)
DEFAULT_THRESHOLDS: Final = (75, 100)

TargetKey = tuple[TicketType, Priority, Metric]


@dataclass(frozen=True, slots=True)
class Target:
    """A duration of business time, counted in the named calendar version."""

    within: timedelta
    calendar: str

    def __str__(self) -> str:
        return f"{format_duration(self.within)} on {self.calendar}"


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """One published SLA policy version.

    ``targets`` is total: one Target for every (ticket type, priority, metric),
    with per-type overrides already applied over the per-priority defaults.
    """

    version: str
    targets: Mapping[TargetKey, Target] = field(hash=False)
    pausing_hold_reasons: frozenset[HoldReason] = DEFAULT_PAUSING_HOLD_REASONS
    priority_change: PriorityChangeMode = "retroactive"
    reopen: ReopenMode = "resume"
    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS
    description: str = ""

    def __post_init__(self) -> None:
        missing = [
            key
            for key in (
                (t, p, m) for t in TICKET_TYPES for p in PRIORITIES for m in METRICS
            )
            if key not in self.targets
        ]
        if missing:
            msg = f"SLA policy {self.version} has no target for {missing[0]}"
            raise ValueError(msg)

    def target(
        self, ticket_type: TicketType, priority: Priority, metric: Metric
    ) -> Target:
        """The target that applies to a ticket of this type and priority."""
        return self.targets[ticket_type, priority, metric]

    def pauses_on(self, reason: HoldReason) -> bool:
        """Whether a hold for ``reason`` pauses the resolution clock."""
        return reason in self.pausing_hold_reasons

    @property
    def calendar_versions(self) -> frozenset[str]:
        """Every calendar version some target counts in."""
        return frozenset(t.calendar for t in self.targets.values())


def ordering_problems(
    policy: SlaPolicy, calendars: Mapping[str, Calendar]
) -> list[str]:
    """Breaches of the ordering law (empty when the policy obeys it).

    For each ticket type and metric, going from P(n) to P(n+1): the duration must
    not shrink, and the calendar must be the same or P(n)'s must be 24x7 (business
    time never runs faster than real time, so a 24x7 deadline of a shorter
    duration is never later). Also, per type and priority, the response target
    must not be longer than the resolution target.
    """
    problems: list[str] = []
    for ticket_type in TICKET_TYPES:
        for metric in METRICS:
            for stricter, laxer in pairwise(PRIORITIES):
                a = policy.target(ticket_type, stricter, metric)
                b = policy.target(ticket_type, laxer, metric)
                where = f"{ticket_type} {metric}: {stricter} {a} vs {laxer} {b}"
                if b.within < a.within:
                    problems.append(f"{where}: the lower priority is stricter")
                elif a.calendar != b.calendar and not calendars[a.calendar].always_open:
                    problems.append(
                        f"{where}: calendars differ and {a.calendar} is not 24x7"
                    )
        for priority in PRIORITIES:
            response = policy.target(ticket_type, priority, "response")
            resolution = policy.target(ticket_type, priority, "resolution")
            if response.within > resolution.within:
                problems.append(
                    f"{ticket_type} {priority}: response {response} is longer than "
                    f"resolution {resolution}"
                )
    return problems

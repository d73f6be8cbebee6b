"""What the SLA evaluator reports: one result per clock, with its evidence.

Every transition cites its causing event (ticket, version, global position,
type, occurred_at) and the policy and calendar versions; ``arithmetic`` lists
the business time of each running interval so the figures can be checked by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, get_args

if TYPE_CHECKING:
    from datetime import datetime, timedelta
    from uuid import UUID

    from ticketing.aggregates.vocabulary import Priority, TicketType
    from ticketing.policies.sla import Metric

ClockState = Literal["running", "paused", "met", "breached", "canceled"]
TransitionKind = Literal[
    "started",
    "paused",
    "resumed",
    "stopped",
    "canceled",
    "target_changed",
    "hold_not_pausing",
]
CLOCK_STATES: Final[tuple[ClockState, ...]] = get_args(ClockState)
FINAL_CLOCK_STATES: Final = frozenset({"met", "breached", "canceled"})


@dataclass(frozen=True, slots=True)
class EventRef:
    """The event behind a transition, as the event log identifies it."""

    ticket_id: UUID
    version: int
    position: int
    event_type: str
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class Transition:
    """One step in a clock's life, with its cause and the rules it was judged by.

    ``priority`` is the ticket's priority right after the event; the calendar is
    the one the clock is measured in (under "retroactive" that is the calendar of
    the priority in force at evaluation, for the whole life of the clock).
    """

    kind: TransitionKind
    at: datetime
    cause: EventRef
    priority: Priority
    detail: str
    policy_version: str
    calendar_version: str


@dataclass(frozen=True, slots=True)
class Pause:
    """A stretch in which the clock did not run; ``end`` None while still paused."""

    start: datetime
    end: datetime | None
    paused_by: EventRef
    ended_by: EventRef | None
    reason: str


@dataclass(frozen=True, slots=True)
class RunningTime:
    """One running interval of the clock and the business time it contributed.

    ``ongoing`` intervals run to the evaluation instant (``as_of``).
    """

    start: datetime
    end: datetime
    ongoing: bool
    business_time: timedelta
    cumulative: timedelta
    started_by: EventRef
    ended_by: EventRef | None


@dataclass(frozen=True, slots=True)
class ThresholdMark:
    """When elapsed reached ``percent`` of the target (``business_time``).

    ``projected`` marks an instant still in the future of a running clock; ``at``
    is None when the clock stopped or is paused before reaching it.
    """

    percent: int
    business_time: timedelta
    at: datetime | None
    projected: bool


@dataclass(frozen=True, slots=True)
class ClockResult:
    """One SLA clock of one ticket, evaluated at ``as_of``.

    ``state`` is running or paused while the clock is live (a live clock past its
    target still says so, with ``breached_at`` set), then met, breached or
    canceled. ``due_at`` is set only while running (a paused clock has no due
    instant: read ``remaining``, which is negative once overdue).
    """

    ticket_id: UUID
    metric: Metric
    cycle: int
    sequence: int
    state: ClockState
    ticket_type: TicketType
    priority: Priority
    policy_version: str
    calendar_version: str
    target: timedelta
    as_of: datetime
    started_at: datetime
    stopped_at: datetime | None
    elapsed: timedelta
    remaining: timedelta
    due_at: datetime | None
    breached_at: datetime | None
    pauses: tuple[Pause, ...]
    transitions: tuple[Transition, ...]
    arithmetic: tuple[RunningTime, ...]
    thresholds: tuple[ThresholdMark, ...]

    @property
    def is_live(self) -> bool:
        """Still running or paused: the outcome is not final yet."""
        return self.state not in FINAL_CLOCK_STATES

    @property
    def counts_for_compliance(self) -> bool:
        """Met or breached; canceled and live clocks stay out of the figures."""
        return self.state in ("met", "breached")

    @property
    def is_breached(self) -> bool:
        """Past its target, whether or not the clock has stopped."""
        return self.breached_at is not None


@dataclass(frozen=True, slots=True)
class SlaEvaluation:
    """Every clock of one ticket under one policy version, at ``as_of``."""

    ticket_id: UUID
    policy_version: str
    as_of: datetime
    clocks: tuple[ClockResult, ...]

    def of(self, metric: Metric) -> tuple[ClockResult, ...]:
        """The clocks of one metric, in the order they started."""
        return tuple(c for c in self.clocks if c.metric == metric)

    def latest(self, metric: Metric) -> ClockResult:
        """The most recently started clock of ``metric`` (there is always one)."""
        return self.of(metric)[-1]

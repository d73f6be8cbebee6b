"""Rows of the SLA projection, built from one measured clock.

Nothing here depends on "now": a clock is measured at the instant of its own
last transition, so a running clock's row holds its elapsed time up to that
transition and the (projected) instants of its due time and thresholds, all
fixed by the log. Queries add the time since then with the injected clock.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from ticketing.commands.messages import MAX_ESCALATION_LEVEL
from ticketing.ids import NAMESPACE
from ticketing.policies.calendar import as_utc
from ticketing.sla.jsontext import compact_json
from ticketing.sla.measure import Measure

if TYPE_CHECKING:
    from uuid import UUID

    from ticketing.sla.clocks import SlaEvaluator
    from ticketing.sla.model import ClockResult
    from ticketing.sla.state import ClockTrack, SlaState

#: Timer rule ids: ``sla:<metric>:<percent>`` (the escalation's provenance).
RULE_PREFIX: Final = "sla:"


@dataclass(frozen=True, slots=True)
class Provenance:
    """Store time, actor kind and correlation of an event that set a clock.

    ``recorded`` is the store time as the ticket row keeps it (ISO text) or,
    for an event of the current batch, as read from the log: most events'
    provenance is pruned before it is written, so the text is made on demand.
    """

    recorded: str | datetime
    actor_kind: str
    correlation_id: str

    @property
    def recorded_at(self) -> str:
        """The store time as ISO text (what the ticket row keeps)."""
        r = self.recorded
        return r if isinstance(r, str) else r.isoformat()

    @property
    def recorded_instant(self) -> datetime:
        """The store time in UTC (the same instant as ``recorded_at`` parsed)."""
        r = self.recorded
        return _parse(r) if isinstance(r, str) else as_utc(r)

    def as_list(self) -> list[str]:
        return [self.recorded_at, self.actor_kind, self.correlation_id]


def measure_track(
    evaluator: SlaEvaluator, state: SlaState, track: ClockTrack
) -> ClockResult:
    """``track`` measured at its own last transition (stable, log-determined).

    The figures only: the row keeps the transitions from the marks themselves.
    """
    as_of = track.marks[-1].cause.occurred_at
    measure = Measure(evaluator.policy, evaluator.calendars, as_of)
    return measure.clock(state, track, evidence=False)


def resolved_at(result: ClockResult, track: ClockTrack) -> datetime | None:
    """When a stopped resolution clock's ticket was last resolved (wall-clock MTTR)."""
    if result.metric != "resolution" or not result.counts_for_compliance:
        return None
    resolved = [
        m.cause.occurred_at for m in track.marks if m.cause.event_type == "Resolved"
    ]
    return resolved[-1] if resolved else None


def transitions_data(track: ClockTrack) -> list[list[Any]]:
    """Compact transitions: ``[kind, at, priority, detail, position, version,
    event_type]`` each; the cause is the event at ``position`` (docs/sla.md)."""
    return [
        [
            m.kind,
            m.cause.occurred_at.isoformat(),
            m.priority,
            m.detail,
            m.cause.position,
            m.cause.version,
            m.cause.event_type,
        ]
        for m in track.marks
    ]


def clock_row(
    result: ClockResult,
    track: ClockTrack,
    thresholds: tuple[int, ...],
    armed: Provenance,
    fired: list[int],
) -> dict[str, Any]:
    """One row per clock: outcome, figures, transitions and, while running, timers."""
    warn = result.thresholds[0] if result.thresholds else None
    running = result.state == "running"
    timers = threshold_timers(result, thresholds, armed) if running else []
    recorded = armed.recorded_instant
    # Thresholds reached before their facts were recorded (imported history)
    # never fire, so they are not pending either.
    pending = [
        due for percent, _, due in timers if percent not in fired and due >= recorded
    ]
    cause = track.marks[-1].cause
    return {
        "ticket_id": result.ticket_id,
        "metric": result.metric,
        "sequence": result.sequence,
        "cycle": result.cycle,
        "state": result.state,
        "ticket_type": result.ticket_type,
        "priority": result.priority,
        "policy_version": result.policy_version,
        "calendar_version": result.calendar_version,
        "target_seconds": result.target.total_seconds(),
        "started_at": result.started_at,
        "stopped_at": result.stopped_at,
        "resolved_at": resolved_at(result, track),
        "measured_at": result.as_of,
        "elapsed_seconds": result.elapsed.total_seconds(),
        "due_at": result.due_at,
        "breached_at": result.breached_at,
        "warn_at": warn.at if warn is not None and running else None,
        "next_due_at": min(pending) if pending else None,
        "timers": compact_json(
            [[percent, level, due.isoformat()] for percent, level, due in timers]
        )
        if timers
        else "[]",
        "armed_at": recorded,
        "armed_kind": armed.actor_kind,
        "correlation_id": armed.correlation_id,
        "cause_position": cause.position,
        "cause_version": cause.version,
        "transitions": compact_json(transitions_data(track)),
    }


def timer_key(ticket_id: UUID, metric: str, cycle: int, percent: int) -> str:
    """The scheduler key of one threshold: fires at most once per clock cycle."""
    return f"{ticket_id}:{metric}:{cycle}:{percent}"


def timer_command_id(key: str) -> str:
    """The command id the scheduler gives the escalation of timer ``key``.

    Must match ``ticketing.automation.scheduler`` (tested): the projection
    recognises the scheduler's escalations by it.
    """
    return str(uuid.uuid5(NAMESPACE, f"timer:{key}"))


def escalation_level(thresholds: tuple[int, ...], percent: int) -> int:
    """First threshold -> level 1, second -> level 2, ... (bounded)."""
    return min(thresholds.index(percent) + 1, MAX_ESCALATION_LEVEL)


def threshold_timers(
    result: ClockResult, thresholds: tuple[int, ...], armed: Provenance
) -> list[tuple[int, int, datetime]]:
    """``(percent, level, may fire from)`` for each threshold of a running clock.

    A threshold reached before the facts were recorded fires at once when those
    facts are live (e.g. a priority raised past it), but never for an import:
    its instant stays before the import's store time, which the scheduler
    treats as history.
    """
    recorded = armed.recorded_instant
    timers: list[tuple[int, int, datetime]] = []
    for mark in result.thresholds:
        if mark.at is None:  # pragma: no cover - a running clock always has one
            continue
        due = mark.at if armed.actor_kind == "import" else max(mark.at, recorded)
        timers.append((mark.percent, escalation_level(thresholds, mark.percent), due))
    return timers


def _parse(text: str) -> datetime:
    return as_utc(datetime.fromisoformat(text))

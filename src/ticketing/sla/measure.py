"""Measuring one ClockTrack at an instant: business time, outcome and evidence.

The target and calendar come from the clock's priority (under "retroactive",
the priority in force at evaluation, or at the stop for a stopped clock) and
apply to every running interval of the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Final

from ticketing.policies.calendar import add_business_time, business_time_between
from ticketing.sla.model import (
    ClockResult,
    ClockState,
    Pause,
    RunningTime,
    ThresholdMark,
    Transition,
)

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from ticketing.policies.calendar import Calendar
    from ticketing.policies.sla import SlaPolicy
    from ticketing.sla.state import ClockTrack, Mark, SlaState

_ZERO: Final = timedelta(0)
_PAUSE_ENDS: Final = frozenset({"resumed", "stopped", "canceled"})


@dataclass(frozen=True, slots=True)
class Measure:
    """The rules one evaluation applies: policy, calendars, and the instant."""

    policy: SlaPolicy
    calendars: Mapping[str, Calendar]
    as_of: datetime

    def clock(
        self, state: SlaState, track: ClockTrack, *, evidence: bool = True
    ) -> ClockResult:
        """The result of ``track`` (one clock of ``state``) at ``as_of``.

        ``evidence=False`` gives the figures only, for projections that keep
        the clock's marks themselves: ``pauses`` and ``transitions`` are empty,
        and so are ``thresholds`` unless the clock is running (where they tell
        a scheduler when to act).
        """
        target = self.policy.target(state.ticket_type, track.priority, track.metric)
        calendar = self.calendars[target.calendar]
        lines = self._arithmetic(track, calendar)
        elapsed = lines[-1].cumulative if lines else _ZERO
        breached_at = (
            _reached(lines, calendar, target.within)
            if elapsed > target.within
            else None
        )
        running = track.phase == "running"
        due_at = self._due(calendar, target.within - elapsed, breached_at, running)
        ends = track.phase in ("stopped", "canceled")
        return ClockResult(
            ticket_id=state.ticket_id,
            metric=track.metric,
            cycle=track.cycle,
            sequence=track.sequence,
            state=_state(track, elapsed, target.within),
            ticket_type=state.ticket_type,
            priority=track.priority,
            policy_version=self.policy.version,
            calendar_version=calendar.version,
            target=target.within,
            as_of=self.as_of,
            started_at=track.marks[0].cause.occurred_at,
            stopped_at=track.marks[-1].cause.occurred_at if ends else None,
            elapsed=elapsed,
            remaining=target.within - elapsed,
            due_at=due_at,
            breached_at=breached_at,
            pauses=_pauses(track.marks) if evidence else (),
            transitions=(
                tuple(self._transition(m, calendar) for m in track.marks)
                if evidence
                else ()
            ),
            arithmetic=lines,
            thresholds=(
                tuple(
                    self._threshold(pct, target.within, lines, calendar, running)
                    for pct in self.policy.thresholds
                )
                if evidence or running
                else ()
            ),
        )

    def _due(
        self,
        calendar: Calendar,
        remaining: timedelta,
        breached_at: datetime | None,
        running: bool,
    ) -> datetime | None:
        """Only a running clock has a due instant (its breach, once past it)."""
        if not running:
            return None
        return breached_at or add_business_time(calendar, self.as_of, remaining)

    def _arithmetic(
        self, track: ClockTrack, calendar: Calendar
    ) -> tuple[RunningTime, ...]:
        lines: list[RunningTime] = []
        cumulative = _ZERO
        for run in track.runs:
            start = run.start.occurred_at
            end = self.as_of if run.end is None else run.end.occurred_at
            business = business_time_between(calendar, start, end)
            cumulative += business
            lines.append(
                RunningTime(
                    start=start,
                    end=end,
                    ongoing=run.end is None,
                    business_time=business,
                    cumulative=cumulative,
                    started_by=run.start,
                    ended_by=run.end,
                )
            )
        return tuple(lines)

    def _threshold(
        self,
        percent: int,
        target: timedelta,
        lines: tuple[RunningTime, ...],
        calendar: Calendar,
        running: bool,
    ) -> ThresholdMark:
        amount = target * percent // 100
        elapsed = lines[-1].cumulative if lines else _ZERO
        if elapsed >= amount:
            return ThresholdMark(
                percent, amount, _reached(lines, calendar, amount), False
            )
        if running:
            at = add_business_time(calendar, self.as_of, amount - elapsed)
            return ThresholdMark(percent, amount, at, True)
        return ThresholdMark(percent, amount, None, False)

    def _transition(self, mark: Mark, calendar: Calendar) -> Transition:
        return Transition(
            kind=mark.kind,
            at=mark.cause.occurred_at,
            cause=mark.cause,
            priority=mark.priority,
            detail=mark.detail,
            policy_version=self.policy.version,
            calendar_version=calendar.version,
        )


def _state(track: ClockTrack, elapsed: timedelta, target: timedelta) -> ClockState:
    if track.phase == "stopped":
        return "met" if elapsed <= target else "breached"
    return track.phase


def _reached(
    lines: tuple[RunningTime, ...], calendar: Calendar, amount: timedelta
) -> datetime:
    """The instant the cumulative business time reached ``amount`` (> 0).

    The caller guarantees the total is at least ``amount``.
    """
    for line in lines:
        if line.cumulative >= amount:
            before = line.cumulative - line.business_time
            return add_business_time(calendar, line.start, amount - before)
    msg = f"the clock never reached {amount}"
    raise ValueError(msg)


def _pauses(marks: tuple[Mark, ...]) -> tuple[Pause, ...]:
    """Pauses from the marks: each ends at a resume, or at the stop or cancel."""
    pauses: list[Pause] = []
    opened: Mark | None = None
    for mark in marks:
        if mark.kind == "paused" and opened is None:
            opened = mark
        elif mark.kind in _PAUSE_ENDS and opened is not None:
            pauses.append(_pause(opened, mark))
            opened = None
    if opened is not None:
        pauses.append(_pause(opened, None))
    return tuple(pauses)


def _pause(start: Mark, end: Mark | None) -> Pause:
    return Pause(
        start=start.cause.occurred_at,
        end=None if end is None else end.cause.occurred_at,
        paused_by=start.cause,
        ended_by=None if end is None else end.cause,
        reason=start.detail,
    )


def reach_instant(
    clock: ClockResult, calendar: Calendar, amount: timedelta
) -> datetime | None:
    """When ``clock`` (measured with its arithmetic) reaches ``amount`` elapsed.

    An amount already reached gives the past instant it was; a larger one the
    projected instant if the clock keeps running from its ``as_of`` on (None
    when it is not running, or for an amount that is not positive).
    """
    if amount <= _ZERO:
        return None
    if clock.elapsed >= amount:
        return _reached(clock.arithmetic, calendar, amount)
    if clock.state != "running":
        return None
    return add_business_time(calendar, clock.as_of, amount - clock.elapsed)

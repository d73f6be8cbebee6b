"""Brute-force references for the SLA property tests: step minute by minute.

Deliberately naive and independent of the production arithmetic. A UTC minute is
business time when the high-water mark of the local wall clock (the latest wall
time shown so far, so a repeated fall-back hour keeps the mark it had) lies in a
weekly window, on a local date that is not a holiday. Clock rules are restated
from the spec, and pauses are read from the aggregate's own state each minute.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Literal, cast
from zoneinfo import ZoneInfo

from ticketing.aggregates.ticket import Ticket

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from datetime import datetime

    from ticketing.aggregates.ticket import TicketEvent
    from ticketing.aggregates.vocabulary import Priority
    from ticketing.policies.calendar import Calendar
    from ticketing.policies.sla import Metric, SlaPolicy

MINUTE = timedelta(minutes=1)
_WEEK = 7 * 1440
_SEED = timedelta(hours=3)  # longer than any DST shift
#: how far a due instant is searched for before the reference gives up
DUE_HORIZON_MINUTES = 45 * 1440


def _week_table(calendar: Calendar) -> list[bool]:
    table = [False] * _WEEK
    for w in calendar.windows:
        for minute in range(w.start, w.end):
            table[(w.weekday * 1440 + minute) % _WEEK] = True
    return table


def iter_business_minutes(calendar: Calendar, start: datetime) -> Iterator[bool]:
    """Whether each minute from ``start`` on is business time, forever."""
    if calendar.always_open:
        while True:
            yield True
    zone = ZoneInfo(calendar.time_zone)
    table = _week_table(calendar)
    holidays = {h.day for h in calendar.holidays}
    moment, high = start - _SEED, None
    while True:
        wall = moment.astimezone(zone).replace(tzinfo=None)
        if high is None or wall > high:
            high = wall
        if moment >= start:
            index = high.weekday() * 1440 + high.hour * 60 + high.minute
            yield high.date() not in holidays and table[index]
        moment += MINUTE


def ref_between(calendar: Calendar, start: datetime, end: datetime) -> timedelta:
    minutes = int((end - start) / MINUTE)
    flags = iter_business_minutes(calendar, start)
    return MINUTE * sum(next(flags) for _ in range(max(minutes, 0)))


def ref_add(calendar: Calendar, start: datetime, duration: timedelta) -> datetime:
    needed = int(duration / MINUTE)
    moment = start
    for business in iter_business_minutes(calendar, start):
        if needed == 0:
            return moment
        moment += MINUTE
        needed -= business
    raise AssertionError  # pragma: no cover - the generator never ends


@dataclass
class RefClock:
    """One clock as the reference sees it."""

    metric: Metric
    cycle: int
    start: datetime
    priority: Priority
    end: datetime | None = None
    outcome: Literal["stopped", "canceled"] | None = None

    def finish(self, at: datetime, outcome: Literal["stopped", "canceled"]) -> None:
        if self.end is None:
            self.end, self.outcome = at, outcome


@dataclass(frozen=True)
class RefResult:
    metric: Metric
    cycle: int
    state: str
    started_at: datetime
    stopped_at: datetime | None
    priority: Priority
    elapsed: timedelta
    breached_at: datetime | None
    due_at: datetime | None


def ref_clocks(
    history: Sequence[tuple[int, TicketEvent]], sla: SlaPolicy
) -> list[RefClock]:
    """The clocks of a history, restated from the spec event by event."""
    opened = history[0][1]
    assert isinstance(opened, Ticket.Opened)
    priority, at = opened.priority, opened.timestamp
    clocks: dict[Metric, list[RefClock]] = {
        "response": [RefClock("response", 1, at, priority)],
        "resolution": [RefClock("resolution", 1, at, priority)],
    }
    for _, e in history[1:]:
        at = e.timestamp
        response, resolution = clocks["response"][-1], clocks["resolution"][-1]
        if isinstance(e, Ticket.CommentAdded):
            if (e.visibility, e.author_kind) == ("public", "agent"):
                response.finish(at, "stopped")
        elif isinstance(e, Ticket.Resolved):
            response.finish(at, "stopped")
        elif isinstance(e, Ticket.Canceled):
            response.finish(at, "canceled")
            resolution.finish(at, "canceled")
        elif isinstance(e, Ticket.Closed):
            resolution.finish(at, "stopped")
        elif isinstance(e, Ticket.Reopened) and sla.reopen == "new_cycle":
            resolution.finish(at, "stopped")
            cycle = resolution.cycle + 1
            clocks["resolution"].append(RefClock("resolution", cycle, at, priority))
        elif isinstance(e, Ticket.PriorityChanged) and e.priority != priority:
            priority = e.priority
            for current in (response, resolution):
                if current.end is not None:
                    continue
                if sla.priority_change == "retroactive":
                    current.priority = priority
                else:
                    current.finish(at, "canceled")
                    fresh = RefClock(current.metric, current.cycle, at, priority)
                    clocks[current.metric].append(fresh)
    return [*clocks["response"], *clocks["resolution"]]


class Situation:
    """The aggregate's own state at any minute, from replaying its events."""

    def __init__(self, history: Sequence[tuple[int, TicketEvent]]) -> None:
        self.times: list[datetime] = []
        self.states: list[tuple[str, str | None]] = []
        ticket: Ticket | None = None
        for _, event in history:
            ticket = cast("Ticket", event.mutate(ticket))
            self.times.append(event.timestamp)
            self.states.append((ticket.state, ticket.hold_reason))

    def at(self, moment: datetime) -> tuple[str, str | None]:
        return self.states[bisect.bisect_right(self.times, moment) - 1]


def ref_results(
    history: Sequence[tuple[int, TicketEvent]],
    sla: SlaPolicy,
    calendars: dict[str, Calendar],
    as_of: datetime,
) -> list[RefResult]:
    """Every clock of the history measured minute by minute at ``as_of``."""
    situation = Situation(history)
    opened = history[0][1]
    assert isinstance(opened, Ticket.Opened)
    ticket_type = opened.type

    def paused(moment: datetime) -> bool:
        state, reason = situation.at(moment)
        return state == "resolved" or (
            state == "on_hold" and reason in sla.pausing_hold_reasons
        )

    results = []
    for clock in ref_clocks(history, sla):
        target = sla.target(ticket_type, clock.priority, clock.metric)
        calendar = calendars[target.calendar]
        needed = int(target.within / MINUTE)
        end = clock.end or as_of
        flags = iter_business_minutes(calendar, clock.start)
        elapsed, reached_at, moment = 0, None, clock.start
        while moment < end:
            business = next(flags)
            if business and (clock.metric == "response" or not paused(moment)):
                elapsed += 1
                if elapsed == needed:
                    reached_at = moment + MINUTE
            moment += MINUTE
        breached_at = reached_at if elapsed > needed else None
        running = clock.end is None and (
            clock.metric == "response" or not paused(as_of)
        )
        results.append(
            RefResult(
                metric=clock.metric,
                cycle=clock.cycle,
                state=_state(clock, running, elapsed, needed),
                started_at=clock.start,
                stopped_at=clock.end,
                priority=clock.priority,
                elapsed=elapsed * MINUTE,
                breached_at=breached_at,
                due_at=_due(calendar, as_of, elapsed, needed, breached_at)
                if running
                else None,
            )
        )
    return results


def _state(clock: RefClock, running: bool, elapsed: int, needed: int) -> str:
    if clock.outcome == "canceled":
        return "canceled"
    if clock.outcome == "stopped":
        return "met" if elapsed <= needed else "breached"
    return "running" if running else "paused"


def _due(
    calendar: Calendar,
    as_of: datetime,
    elapsed: int,
    needed: int,
    breached_at: datetime | None,
) -> datetime | None:
    if elapsed > needed:
        return breached_at
    moment, missing = as_of, needed - elapsed
    flags = iter_business_minutes(calendar, as_of)
    for _ in range(DUE_HORIZON_MINUTES):
        if missing == 0:
            return moment
        missing -= next(flags)
        moment += MINUTE
    return None  # beyond the horizon: the caller skips the comparison

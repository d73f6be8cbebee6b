"""Hypothesis strategies for the SLA property tests.

Random calendars (windows over midnight and over the week end, holidays, DST
zones including ones that switch at midnight or by 30 minutes), instants near
each zone's DST switches, random valid policies and random valid ticket stories.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from tests.support.sla_builders import TicketStory, calendar
from ticketing.aggregates.vocabulary import (
    AUTHOR_KINDS,
    HOLD_REASONS,
    PRIORITIES,
    VISIBILITIES,
)
from ticketing.policies.calendar import WEEKDAYS
from ticketing.policies.calendar_file import load_calendar
from ticketing.policies.sla_file import parse_sla_policy
from ticketing.sla import SlaEvaluator

if TYPE_CHECKING:
    from ticketing.policies.calendar import Calendar
    from ticketing.policies.sla import SlaPolicy
    from ticketing.sla.model import SlaEvaluation

ZONES = (
    "Europe/Amsterdam",
    "America/New_York",
    "Australia/Lord_Howe",  # 30-minute DST shift
    "America/Santiago",  # switches at midnight
    "America/Havana",  # switches at midnight
    "Pacific/Chatham",  # +12:45 / +13:45
    "America/St_Johns",  # -03:30 / -02:30
    "Asia/Kolkata",  # no DST
    "UTC",
)
_WEEK = 7 * 1440
_STEP = 15  # window edges on quarter hours


@cache
def dst_switches(zone: str) -> tuple[datetime, ...]:
    """The exact instants ``zone`` changed offset in 2026, or two Mondays if never."""
    tz = ZoneInfo(zone)
    moment, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    switches, offset = [], moment.astimezone(tz).utcoffset()
    while moment < end:
        step = moment + timedelta(hours=1)
        now = step.astimezone(tz).utcoffset()
        if now != offset:
            lo, hi = int(moment.timestamp()), int(step.timestamp())
            while hi - lo > 1:  # bisect to the second
                mid = (lo + hi) // 2
                changed = datetime.fromtimestamp(mid, tz).utcoffset() != offset
                lo, hi = (lo, mid) if changed else (mid, hi)
            switches.append(datetime.fromtimestamp(hi, UTC))
            offset = now
        moment = step
    return tuple(switches) or (
        datetime(2026, 3, 2, tzinfo=UTC),
        datetime(2026, 11, 2, tzinfo=UTC),
    )


@cache
def switch_week_minutes(zone: str) -> tuple[int, ...]:
    """Week minutes (Monday 00:00 = 0) of the wall times around each DST switch."""
    tz = ZoneInfo(zone)
    minutes = set()
    for switch in dst_switches(zone):
        for moment in (switch - timedelta(seconds=1), switch):
            wall = moment.astimezone(tz)
            minutes.add(wall.weekday() * 1440 + wall.hour * 60 + wall.minute + 1)
            minutes.add(wall.weekday() * 1440 + wall.hour * 60 + wall.minute)
    return tuple(sorted(m % _WEEK for m in minutes))


@st.composite
def instants_near_switch(draw: st.DrawFn, zone: str, days: int = 3) -> datetime:
    """A whole-minute UTC instant within ``days`` of one of ``zone``'s DST switches."""
    anchor = draw(st.sampled_from(dst_switches(zone)))
    return anchor + timedelta(minutes=draw(st.integers(-days * 1440, days * 1440)))


def _span(start: int, end: int) -> str:
    def hhmm(m: int) -> str:
        return f"{m // 60:02d}:{m % 60:02d}"

    return f"{hhmm(start)}-{'24:00' if end == 1440 else hhmm(end % 1440)}"


@st.composite
def weekly_windows(
    draw: st.DrawFn, min_count: int = 1, hot: tuple[int, ...] = ()
) -> dict[str, list[str]]:
    """Non-overlapping windows between sorted cut points of the week.

    Cut points are quarter hours, or minutes near ``hot`` week minutes (the wall
    times of DST switches); pairing them from the second point on makes the last
    window run over the week end, from Sunday into Monday.
    """
    count = draw(st.integers(min_count, 5))
    quarter = st.integers(0, _WEEK // _STEP - 1).map(lambda q: q * _STEP)
    near_hot = (
        st.tuples(st.sampled_from(hot), st.integers(-60, 60)).map(
            lambda t: (t[0] + t[1]) % _WEEK  # within an hour of a switch
        )
        if hot
        else quarter
    )
    cuts = draw(
        st.lists(
            st.one_of(quarter, near_hot),
            min_size=2 * count,
            max_size=2 * count,
            unique=True,
        )
    )
    points = sorted(cuts)
    if draw(st.booleans()):
        points = [*points[1:], points[0] + _WEEK]
    windows: dict[str, list[str]] = {}
    for a, b in zip(points[::2], points[1::2], strict=True):
        day, minute = divmod(a % _WEEK, 1440)
        longest = 1440 if minute == 0 else 1439
        length = min(b - a, longest)
        windows.setdefault(WEEKDAYS[day], []).append(_span(minute, minute + length))
    return windows


@st.composite
def calendars_near(
    draw: st.DrawFn, zone: str, around: datetime, min_windows: int = 1
) -> Calendar:
    """A random calendar in ``zone`` with up to 3 holidays within days of ``around``."""
    base = around.astimezone(ZoneInfo(zone)).date()
    offsets = draw(st.lists(st.integers(-4, 6), max_size=3, unique=True))
    holidays = tuple((base + timedelta(days=o)).isoformat() for o in offsets)
    windows = draw(weekly_windows(min_windows, switch_week_minutes(zone)))
    return calendar(windows, zone, holidays, "rand-cal")


@dataclass(frozen=True)
class CalendarCase:
    calendar: Calendar
    start: datetime


@st.composite
def calendar_cases(
    draw: st.DrawFn, days: int = 3, published: bool = True
) -> CalendarCase:
    """A random (or published) calendar, and a start within ``days`` of a DST switch."""
    names = ("24x7-v1", "nl-office-v1", "us-office-v1") if published else ()
    choice = draw(st.sampled_from((None, *names)))
    if choice is not None:
        cal = load_calendar(choice)
        return CalendarCase(cal, draw(instants_near_switch(cal.time_zone, days)))
    zone = draw(st.sampled_from(ZONES))
    start = draw(instants_near_switch(zone, days))
    return CalendarCase(draw(calendars_near(zone, start)), start)


@st.composite
def policies_over(draw: st.DrawFn, calendars: dict[str, Calendar]) -> SlaPolicy:
    """A valid policy: P1..Pk on 24x7, the rest on ``rand-cal``, durations in order."""
    response = sorted(draw(st.lists(st.integers(1, 32), min_size=5, max_size=5)))
    extra = sorted(draw(st.lists(st.integers(0, 32), min_size=5, max_size=5)))
    around_the_clock = draw(st.integers(0, 2))
    targets: dict[str, Any] = {}
    for i, priority in enumerate(PRIORITIES):
        cal = "24x7-v1" if i < around_the_clock else "rand-cal"
        targets[priority] = {
            "response": {"within": f"{response[i] * 15}m", "calendar": cal},
            "resolution": {
                "within": f"{(response[i] + extra[i]) * 15}m",
                "calendar": cal,
            },
        }
    raw = {
        "version": "random-policy",
        "targets": targets,
        "pausing_hold_reasons": draw(
            st.one_of(
                st.just(list(HOLD_REASONS)),
                st.lists(st.sampled_from(HOLD_REASONS), unique=True, max_size=4),
            )
        ),
        "priority_change": "restart" if draw(st.booleans()) else "retroactive",
        "reopen": "new_cycle" if draw(st.booleans()) else "resume",
    }
    return parse_sla_policy(raw, "<random>", calendars)


_GAPS = st.one_of(st.integers(0, 240), st.integers(240, 1800))


@st.composite
def ticket_stories(
    draw: st.DrawFn, opened_at: datetime, max_events: int = 12
) -> TicketStory:
    """A valid random life of one ticket, events on whole minutes."""
    story = TicketStory(opened_at, priority=draw(st.sampled_from(PRIORITIES)))
    at = opened_at
    for _ in range(draw(st.integers(min(4, max_events), max_events))):
        state = story.ticket.state
        if state in ("closed", "canceled"):
            break
        at += timedelta(minutes=draw(_GAPS))
        action = draw(st.sampled_from(_ACTIONS[state]))
        _act(draw, story, action, at)
    return story


# Repeated entries weight the draw towards the actions that move clocks.
_LIVE = ("comment", "comment", "resolve", "cancel", "priority", "priority", "route")
_ACTIONS = {
    "new": (*_LIVE, "hold", "hold"),
    "in_progress": (*_LIVE, "hold", "hold"),
    "on_hold": (*_LIVE, "resume", "resume"),
    "resolved": ("comment", "reopen", "reopen", "close"),
}


def _act(draw: st.DrawFn, story: TicketStory, action: str, at: datetime) -> None:
    if action == "comment":
        visibility = draw(st.sampled_from(VISIBILITIES))
        story.comment(at, visibility, draw(st.sampled_from(AUTHOR_KINDS)))
    elif action == "hold":
        story.hold(at, draw(st.sampled_from(HOLD_REASONS)))
    elif action == "priority":
        priority = draw(st.sampled_from(PRIORITIES))
        impact = None
        if priority == story.ticket.priority:
            impact = draw(
                st.sampled_from([i for i in (1, 2, 3) if i != story.ticket.impact])
            )
        story.change_priority(at, priority, impact)
    elif action == "route":
        story.route(at, f"queue-{len(story.events)}")  # never the current queue
    else:
        getattr(story, action)(at)


@dataclass(frozen=True)
class ClockCase:
    """A random policy over a random calendar, one random ticket, and an as_of."""

    sla: SlaPolicy
    calendars: dict[str, Calendar]
    story: TicketStory
    as_of: datetime

    def evaluate(self, sla: SlaPolicy | None = None) -> SlaEvaluation:
        evaluator = SlaEvaluator(sla or self.sla, self.calendars)
        return evaluator.evaluate_history(self.story.history, self.as_of)


@st.composite
def clock_cases(draw: st.DrawFn) -> ClockCase:
    """A random valid history near a DST switch, evaluated some time later."""
    zone = draw(st.sampled_from(ZONES))
    opened = draw(instants_near_switch(zone, days=2))
    calendars = {
        "24x7-v1": load_calendar("24x7-v1"),
        "rand-cal": draw(calendars_near(zone, opened, min_windows=2)),
    }
    story = draw(ticket_stories(opened))
    as_of = story.events[-1].timestamp + timedelta(minutes=draw(st.integers(0, 1440)))
    return ClockCase(draw(policies_over(calendars)), calendars, story, as_of)

"""Business calendars and business-time arithmetic (pure; aware UTC in and out).

A calendar is weekly working windows in one IANA time zone minus whole-day
holidays, or 24x7. Window edges are local wall times; each edge is the first
instant at which the local clock reads that time or later, so a window keeps its
real length across DST (01:00-04:00 is 2 h on spring-forward, 4 h on fall-back).
The arithmetic walks windows day by day (memoised per date), never minute by minute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Final
from zoneinfo import ZoneInfo

MINUTES_PER_DAY: Final = 1440
MINUTES_PER_WEEK: Final = 7 * MINUTES_PER_DAY
WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ONE_DAY: Final = timedelta(days=1)
_ZERO: Final = timedelta(0)
_DAY_CACHE_LIMIT: Final = 50_000
#: add_business_time gives up after this many consecutive days without any window.
_MAX_EMPTY_DAYS: Final = 3660

Interval = tuple[datetime, datetime]


def _hhmm(minutes: int) -> str:
    """Minutes after midnight as a wall time; 1440 is "24:00", later wraps around."""
    if minutes != MINUTES_PER_DAY:
        minutes %= MINUTES_PER_DAY
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, slots=True, order=True)
class WorkingWindow:
    """A weekly window from ``start`` to ``end`` minutes after midnight of ``weekday``.

    ``weekday`` is 0 (Monday) to 6 (Sunday). ``end`` above 1440 means the window
    runs over midnight into the next day (``fri 22:00-02:00`` has end 1560).
    """

    weekday: int
    start: int
    end: int

    def __str__(self) -> str:
        return f"{WEEKDAYS[self.weekday]} {_hhmm(self.start)}-{_hhmm(self.end)}"


@dataclass(frozen=True, slots=True)
class Holiday:
    """A whole local date without business time (the part of any window on it)."""

    day: date
    name: str


def window_problem(windows: tuple[WorkingWindow, ...]) -> str | None:
    """Why these windows cannot form a calendar, or None when they can."""
    ranges: list[tuple[int, int, WorkingWindow]] = []
    for w in windows:
        if not (0 <= w.weekday < len(WEEKDAYS) and 0 <= w.start < MINUTES_PER_DAY):
            return f"window {w!r} has a weekday or start out of range"
        if not w.start < w.end <= w.start + MINUTES_PER_DAY:
            return f"window {w} must last more than 0 and at most 24 hours"
        begin = w.weekday * MINUTES_PER_DAY + w.start
        end = begin + w.end - w.start
        ranges.append((begin, min(end, MINUTES_PER_WEEK), w))
        if end > MINUTES_PER_WEEK:  # sunday night into monday morning
            ranges.append((0, end - MINUTES_PER_WEEK, w))
    ranges.sort()
    for (_, end, first), (begin, _, second) in pairwise(ranges):
        if begin < end:
            return f"windows {first} and {second} overlap"
    return None


@dataclass(frozen=True, slots=True)
class Calendar:
    """One published calendar version; ``always_open`` means 24x7 (no windows)."""

    version: str
    time_zone: str
    windows: tuple[WorkingWindow, ...] = ()
    holidays: tuple[Holiday, ...] = ()
    always_open: bool = False
    description: str = ""
    zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _by_weekday: tuple[tuple[WorkingWindow, ...], ...] = field(
        init=False, repr=False, compare=False
    )
    _holiday_days: frozenset[date] = field(init=False, repr=False, compare=False)
    _days: dict[date, tuple[Interval, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.always_open == bool(self.windows):
            msg = "a calendar has working windows, or is always open, not both"
            raise ValueError(msg)
        problem = window_problem(self.windows)
        if problem is not None:
            raise ValueError(problem)
        setattr_ = object.__setattr__
        setattr_(self, "zone", ZoneInfo(self.time_zone))
        by_day = tuple(
            tuple(sorted(w for w in self.windows if w.weekday == d)) for d in range(7)
        )
        setattr_(self, "_by_weekday", by_day)
        setattr_(self, "_holiday_days", frozenset(h.day for h in self.holidays))
        setattr_(self, "_days", {})

    def is_holiday(self, day: date) -> bool:
        """Whether the local date ``day`` is a whole day off."""
        return day in self._holiday_days

    def day_intervals(self, day: date) -> tuple[Interval, ...]:
        """UTC intervals of the windows that start on local date ``day``, in order.

        Parts of a window that fall on a holiday are cut out; empty parts (a window
        inside a spring-forward gap) are dropped. Memoised per date.
        """
        cached = self._days.get(day)
        if cached is None:
            cached = self._compute_day(day)
            if len(self._days) >= _DAY_CACHE_LIMIT:
                self._days.clear()
            self._days[day] = cached
        return cached

    def _compute_day(self, day: date) -> tuple[Interval, ...]:
        midnight = datetime.combine(day, time(), tzinfo=self.zone)
        today_off = day in self._holiday_days
        tomorrow_off = day + _ONE_DAY in self._holiday_days
        out: list[Interval] = []
        for w in self._by_weekday[day.weekday()]:
            start = MINUTES_PER_DAY if today_off else w.start
            end = min(w.end, MINUTES_PER_DAY) if tomorrow_off else w.end
            if start >= end:
                continue
            a = first_instant(midnight + timedelta(minutes=start))
            b = first_instant(midnight + timedelta(minutes=end))
            if a < b:
                out.append((a, b))
        return tuple(out)


def first_instant(local: datetime) -> datetime:
    """The first instant (UTC) at which the local wall clock reads ``local`` or later.

    ``local`` is an aware datetime in a ZoneInfo zone, read as a wall time. An
    ambiguous wall time (fall-back) gives its earlier instant; a wall time that
    does not exist (spring-forward gap) gives the instant of the transition.
    """
    utc = local.astimezone(UTC)  # fold=0: the earlier instant when ambiguous
    zone = local.tzinfo
    wall = local.replace(tzinfo=None)
    if utc.astimezone(zone).replace(tzinfo=None) == wall:
        return utc
    # In a gap: fold=1 maps before the transition, fold=0 after it. Transitions
    # fall on whole seconds, so a bisection over seconds finds it exactly.
    lo = int(local.replace(fold=1).astimezone(UTC).timestamp())
    hi = int(utc.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, zone).replace(tzinfo=None) >= wall:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def as_utc(moment: datetime) -> datetime:
    """``moment`` converted to UTC; naive datetimes are refused."""
    if moment.tzinfo is UTC:  # the common case, and a hot path
        return moment
    if moment.tzinfo is None or moment.utcoffset() is None:
        msg = f"an aware datetime is required, got naive {moment.isoformat()}"
        raise ValueError(msg)
    return moment.astimezone(UTC)


def business_time_between(
    calendar: Calendar, start: datetime, end: datetime
) -> timedelta:
    """Real time elapsed inside the calendar's business intervals in [start, end).

    Zero when ``end`` is not after ``start``.
    """
    start, end = as_utc(start), as_utc(end)
    if end <= start:
        return _ZERO
    if calendar.always_open:
        return end - start
    zone = calendar.zone
    # A window of the previous local date may run over midnight into ``start``;
    # a window two dates after ``end``'s wall date always starts after ``end``.
    day = start.astimezone(zone).date() - _ONE_DAY
    last = end.astimezone(zone).date() + _ONE_DAY
    total = _ZERO
    while day <= last:
        for a, b in calendar.day_intervals(day):
            lo = a if a > start else start
            hi = b if b < end else end
            if hi > lo:
                total += hi - lo
        day += _ONE_DAY
    return total


def add_business_time(
    calendar: Calendar, start: datetime, duration: timedelta
) -> datetime:
    """The earliest instant ``t >= start`` with ``business_time_between(start, t)``
    equal to ``duration`` (so a zero duration gives ``start`` itself).
    """
    start = as_utc(start)
    if duration < _ZERO:
        msg = f"business time cannot be negative: {duration}"
        raise ValueError(msg)
    if duration == _ZERO or calendar.always_open:
        return start + duration
    remaining = duration
    day = start.astimezone(calendar.zone).date() - _ONE_DAY
    empty_days = 0
    while empty_days < _MAX_EMPTY_DAYS:
        intervals = calendar.day_intervals(day)
        empty_days = 0 if intervals else empty_days + 1
        for a, b in intervals:
            if b <= start:
                continue
            lo = a if a > start else start
            if remaining <= b - lo:
                return lo + remaining
            remaining -= b - lo
        day += _ONE_DAY
    msg = f"calendar {calendar.version} has no business time after {day.isoformat()}"
    raise ValueError(msg)

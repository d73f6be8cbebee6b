"""Business-time arithmetic, with hand-computed expectations.

Amsterdam is UTC+1 in winter and UTC+2 in summer (2026: summer time from
Sun 29 March 02:00 to Sun 25 October 03:00). New York is UTC-5 / UTC-4
(2026: from Sun 8 March 02:00 to Sun 1 November 02:00).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.support.sla_builders import calendar, local, utc
from ticketing.policies import calendar as calendar_module
from ticketing.policies.calendar import (
    Calendar,
    add_business_time,
    business_time_between,
    first_instant,
)
from ticketing.policies.calendar_file import load_calendar

NL = load_calendar("nl-office-v1")
US = load_calendar("us-office-v1")
ALWAYS = load_calendar("24x7-v1")
AMS, NYC = "Europe/Amsterdam", "America/New_York"
NIGHT_AMS = calendar({"sun": ["01:00-04:00"]}, AMS)
NIGHT_NYC = calendar({"sun": ["01:00-04:00"]}, NYC)
LATE_FRIDAY = calendar({"fri": ["22:00-02:00"]}, AMS)
H, M = timedelta(hours=1), timedelta(minutes=1)

BETWEEN = [
    # id, calendar, start, end, expected
    (
        "same day",
        NL,
        local("2026-03-02 09:00", AMS),
        local("2026-03-02 17:00", AMS),
        8 * H,
    ),
    (
        "before opening",
        NL,
        local("2026-03-02 06:00", AMS),
        local("2026-03-02 09:30", AMS),
        90 * M,
    ),
    (
        "weekend between",
        NL,
        local("2026-03-06 16:00", AMS),
        local("2026-03-09 10:00", AMS),
        4 * H,
    ),
    (
        "whole weekend",
        NL,
        local("2026-03-07 00:00", AMS),
        local("2026-03-09 00:00", AMS),
        0 * H,
    ),
    (
        "full week",
        NL,
        local("2026-03-02 00:00", AMS),
        local("2026-03-09 00:00", AMS),
        50 * H,
    ),
    # Koningsdag, Monday 27 April 2026: Fri 17-18 and Tue 08-09 only
    (
        "holiday",
        NL,
        local("2026-04-24 17:00", AMS),
        local("2026-04-28 09:00", AMS),
        2 * H,
    ),
    # Easter: Good Friday works (10 h), Easter Monday is off
    (
        "easter",
        NL,
        local("2026-04-02 17:00", AMS),
        local("2026-04-07 09:00", AMS),
        12 * H,
    ),
    (
        "nl spring weekend",
        NL,
        local("2026-03-27 17:00", AMS),
        local("2026-03-30 09:00", AMS),
        2 * H,
    ),
    (
        "nl fall weekend",
        NL,
        local("2026-10-23 17:00", AMS),
        local("2026-10-26 09:00", AMS),
        2 * H,
    ),
    (
        "us spring weekend",
        US,
        local("2026-03-06 16:00", NYC),
        local("2026-03-09 10:00", NYC),
        2 * H,
    ),
    (
        "us fall weekend",
        US,
        local("2026-10-30 16:00", NYC),
        local("2026-11-02 10:00", NYC),
        2 * H,
    ),
    (
        "us thanksgiving",
        US,
        local("2026-11-25 16:00", NYC),
        local("2026-11-27 10:00", NYC),
        2 * H,
    ),
    # a night window across the DST switch: 2 real hours in spring, 4 in autumn
    (
        "ams night plain",
        NIGHT_AMS,
        utc("2026-03-21 12:00"),
        utc("2026-03-23 00:00"),
        3 * H,
    ),
    (
        "ams night spring",
        NIGHT_AMS,
        utc("2026-03-28 12:00"),
        utc("2026-03-30 00:00"),
        2 * H,
    ),
    (
        "ams night fall",
        NIGHT_AMS,
        utc("2026-10-24 12:00"),
        utc("2026-10-26 00:00"),
        4 * H,
    ),
    (
        "nyc night spring",
        NIGHT_NYC,
        utc("2026-03-07 12:00"),
        utc("2026-03-09 00:00"),
        2 * H,
    ),
    (
        "nyc night fall",
        NIGHT_NYC,
        utc("2026-10-31 12:00"),
        utc("2026-11-02 00:00"),
        4 * H,
    ),
    # inside the fall-back night: 01:00 CEST (23:00Z) to 02:30 CET (01:30Z)
    (
        "ams fall partial",
        NIGHT_AMS,
        utc("2026-10-24 23:00"),
        utc("2026-10-25 01:30"),
        150 * M,
    ),
    (
        "over midnight",
        LATE_FRIDAY,
        local("2026-03-06 21:00", AMS),
        local("2026-03-07 03:00", AMS),
        4 * H,
    ),
    (
        "over midnight part",
        LATE_FRIDAY,
        local("2026-03-06 23:30", AMS),
        local("2026-03-07 01:00", AMS),
        90 * M,
    ),
    ("always open", ALWAYS, utc("2026-03-06 21:00"), utc("2026-03-09 03:00"), 54 * H),
    (
        "end before start",
        NL,
        local("2026-03-02 17:00", AMS),
        local("2026-03-02 09:00", AMS),
        0 * H,
    ),
]


@pytest.mark.parametrize(
    ("cal", "start", "end", "expected"),
    [pytest.param(*row[1:], id=row[0]) for row in BETWEEN],
)
def test_business_time_between(
    cal: Calendar, start: datetime, end: datetime, expected: timedelta
) -> None:
    assert business_time_between(cal, start, end) == expected


HOLIDAY_CLIPS = [
    # a Fri 22:00-02:00 window loses the part on a holiday, and only that part
    ("no holiday", (), 4 * H),
    ("saturday off", ("2026-03-07",), 2 * H),
    ("friday off", ("2026-03-06",), 2 * H),
    ("both off", ("2026-03-06", "2026-03-07"), 0 * H),
]


@pytest.mark.parametrize(
    ("holidays", "expected"), [pytest.param(*r[1:], id=r[0]) for r in HOLIDAY_CLIPS]
)
def test_holiday_cuts_the_part_of_an_over_midnight_window_on_that_date(
    holidays: tuple[str, ...], expected: timedelta
) -> None:
    cal = calendar({"fri": ["22:00-02:00"]}, AMS, holidays=holidays)

    elapsed = business_time_between(
        cal, local("2026-03-06 12:00", AMS), local("2026-03-07 12:00", AMS)
    )

    assert elapsed == expected


GAP_EDGES = [
    # window edges that fall in a skipped or repeated hour, on the switch Sunday
    ("starts in spring gap", {"sun": ["02:30-05:00"]}, "2026-03-29", 2 * H),
    ("ends in spring gap", {"sun": ["00:00-02:30"]}, "2026-03-29", 2 * H),
    ("inside spring gap", {"sun": ["02:10-02:50"]}, "2026-03-29", 0 * H),
    ("starts in repeated hour", {"sun": ["02:30-04:00"]}, "2026-10-25", 150 * M),
    ("ends in repeated hour", {"sun": ["00:00-02:30"]}, "2026-10-25", 150 * M),
    ("ends at end of repeat", {"sun": ["00:00-03:00"]}, "2026-10-25", 4 * H),
    ("plain sunday", {"sun": ["02:30-05:00"]}, "2026-03-22", 150 * M),
]


@pytest.mark.parametrize(
    ("windows", "day", "expected"), [pytest.param(*r[1:], id=r[0]) for r in GAP_EDGES]
)
def test_window_edges_inside_a_dst_switch(
    windows: dict[str, list[str]], day: str, expected: timedelta
) -> None:
    cal = calendar(windows, AMS)
    start = datetime.fromisoformat(day).replace(tzinfo=UTC) - timedelta(hours=6)

    elapsed = business_time_between(cal, start, start + timedelta(hours=30))

    assert elapsed == expected


ADD = [
    # id, calendar, start, duration, expected
    (
        "same day",
        NL,
        local("2026-03-02 09:00", AMS),
        2 * H,
        local("2026-03-02 11:00", AMS),
    ),
    (
        "over weekend",
        NL,
        local("2026-03-06 16:00", AMS),
        4 * H,
        local("2026-03-09 10:00", AMS),
    ),
    (
        "exact close",
        NL,
        local("2026-03-02 09:00", AMS),
        9 * H,
        local("2026-03-02 18:00", AMS),
    ),
    (
        "from saturday",
        NL,
        local("2026-03-07 12:00", AMS),
        30 * M,
        local("2026-03-09 08:30", AMS),
    ),
    (
        "over holiday",
        NL,
        local("2026-04-24 17:00", AMS),
        2 * H,
        local("2026-04-28 09:00", AMS),
    ),
    (
        "nl spring",
        NL,
        local("2026-03-27 17:00", AMS),
        2 * H,
        local("2026-03-30 09:00", AMS),
    ),
    (
        "nl fall",
        NL,
        local("2026-10-23 17:00", AMS),
        2 * H,
        local("2026-10-26 09:00", AMS),
    ),
    (
        "us spring",
        US,
        local("2026-03-06 16:00", NYC),
        2 * H,
        local("2026-03-09 10:00", NYC),
    ),
    (
        "us fall",
        US,
        local("2026-10-30 16:00", NYC),
        2 * H,
        local("2026-11-02 10:00", NYC),
    ),
    (
        "ams night fall",
        NIGHT_AMS,
        utc("2026-10-24 12:00"),
        4 * H,
        utc("2026-10-25 03:00"),
    ),
    (
        "nyc night spring",
        NIGHT_NYC,
        utc("2026-03-07 12:00"),
        2 * H,
        utc("2026-03-08 08:00"),
    ),
    (
        "over midnight",
        LATE_FRIDAY,
        local("2026-03-06 12:00", AMS),
        3 * H,
        local("2026-03-07 01:00", AMS),
    ),
    (
        "zero off hours",
        NL,
        local("2026-03-07 12:00", AMS),
        0 * H,
        local("2026-03-07 12:00", AMS),
    ),
    ("always open", ALWAYS, utc("2026-03-07 12:00"), 30 * H, utc("2026-03-08 18:00")),
]


@pytest.mark.parametrize(
    ("cal", "start", "duration", "expected"),
    [pytest.param(*row[1:], id=row[0]) for row in ADD],
)
def test_add_business_time(
    cal: Calendar, start: datetime, duration: timedelta, expected: datetime
) -> None:
    due = add_business_time(cal, start, duration)

    assert due == expected
    assert due.tzinfo is UTC


def test_results_are_utc_whatever_the_input_offset() -> None:
    start = datetime(2026, 3, 2, 9, tzinfo=ZoneInfo(AMS))

    due = add_business_time(NL, start, 2 * H)

    assert due == utc("2026-03-02 10:00")
    assert due.tzinfo is UTC


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 3, 2, 9)  # noqa: DTZ001 - the point of the test

    with pytest.raises(ValueError, match="aware"):
        business_time_between(NL, naive, utc("2026-03-03 00:00"))


def test_negative_business_time_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_business_time(NL, utc("2026-03-02 09:00"), -H)


FIRST_INSTANTS = [
    ("plain", "2026-03-02 09:00", utc("2026-03-02 08:00")),
    ("in spring gap", "2026-03-29 02:30", utc("2026-03-29 01:00")),
    ("start of gap", "2026-03-29 02:00", utc("2026-03-29 01:00")),
    ("end of gap", "2026-03-29 03:00", utc("2026-03-29 01:00")),
    ("repeated hour", "2026-10-25 02:30", utc("2026-10-25 00:30")),
    ("after repeat", "2026-10-25 03:00", utc("2026-10-25 02:00")),
]


@pytest.mark.parametrize(
    ("wall", "expected"), [pytest.param(*r[1:], id=r[0]) for r in FIRST_INSTANTS]
)
def test_first_instant_the_wall_clock_reads_a_time(
    wall: str, expected: datetime
) -> None:
    local_wall = datetime.fromisoformat(wall).replace(tzinfo=ZoneInfo(AMS))

    assert first_instant(local_wall) == expected


def test_a_calendar_without_any_business_time_left_is_reported() -> None:
    # the only window is on Mondays, and the next eleven years of Mondays are off
    mondays = tuple(
        (datetime(2026, 3, 2) + timedelta(weeks=w)).date().isoformat()  # noqa: DTZ001
        for w in range(575)
    )
    cal = calendar({"mon": ["08:00-09:00"]}, AMS, holidays=mondays)

    with pytest.raises(ValueError, match="no business time after"):
        add_business_time(cal, utc("2026-03-01 00:00"), H)


def test_day_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(calendar_module, "_DAY_CACHE_LIMIT", 100)
    cal = calendar({"mon": ["08:00-09:00"]}, AMS)

    elapsed = business_time_between(
        cal, utc("2026-01-01 00:00"), utc("2027-01-01 00:00")
    )

    assert elapsed == 52 * H  # 2026 has 52 Mondays, none of them a holiday here
    assert len(cal._days) <= 100

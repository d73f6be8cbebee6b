"""Business-time laws, and the arithmetic against a minute-stepping reference.

Calendars are random (windows over midnight and over the week end, holidays,
zones with DST switches at night, at midnight or by 30 minutes) or published;
instants are drawn near the zone's DST switches.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.sla_reference import ref_add, ref_between
from tests.support.sla_strategies import CalendarCase, calendar_cases
from ticketing.policies.calendar import add_business_time, business_time_between

pytestmark = pytest.mark.property
LAWS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
REFERENCE = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
MICROS = st.integers(0, 3 * 86_400 * 1_000_000)  # up to three days, to the microsecond
DURATIONS = st.integers(0, 30 * 3600 * 1_000_000).map(
    lambda us: timedelta(microseconds=us)
)


@LAWS
@given(case=calendar_cases(), offset=MICROS, duration=DURATIONS)
def test_adding_then_measuring_gives_the_duration_back(
    case: CalendarCase, offset: int, duration: timedelta
) -> None:
    start = case.start + timedelta(microseconds=offset)

    due = add_business_time(case.calendar, start, duration)

    assert due >= start
    assert business_time_between(case.calendar, start, due) == duration


@LAWS
@given(case=calendar_cases(), offset=MICROS, duration=DURATIONS)
def test_the_due_instant_is_the_earliest_one(
    case: CalendarCase, offset: int, duration: timedelta
) -> None:
    start = case.start + timedelta(microseconds=offset)
    tick = timedelta(microseconds=1)

    due = add_business_time(case.calendar, start, duration + tick)

    assert business_time_between(case.calendar, start, due - tick) <= duration


@LAWS
@given(case=calendar_cases(), cuts=st.lists(MICROS, min_size=3, max_size=3))
def test_business_time_is_additive_over_split_points(
    case: CalendarCase, cuts: list[int]
) -> None:
    a, b, c = (case.start + timedelta(microseconds=x) for x in sorted(cuts))

    whole = business_time_between(case.calendar, a, c)

    assert whole == business_time_between(case.calendar, a, b) + business_time_between(
        case.calendar, b, c
    )


@LAWS
@given(case=calendar_cases(), cuts=st.lists(MICROS, min_size=2, max_size=2))
def test_business_time_is_monotone_and_never_more_than_real_time(
    case: CalendarCase, cuts: list[int]
) -> None:
    end, later_end = (case.start + timedelta(microseconds=x) for x in sorted(cuts))

    shorter = business_time_between(case.calendar, case.start, end)
    longer = business_time_between(case.calendar, case.start, later_end)

    assert timedelta(0) <= shorter <= longer <= later_end - case.start


@LAWS
@given(case=calendar_cases(), durations=st.lists(DURATIONS, min_size=2, max_size=2))
def test_adding_more_business_time_is_never_due_earlier(
    case: CalendarCase, durations: list[timedelta]
) -> None:
    small, large = sorted(durations)

    assert add_business_time(case.calendar, case.start, small) <= add_business_time(
        case.calendar, case.start, large
    )


@REFERENCE
@given(case=calendar_cases(days=1, published=False), minutes=st.integers(0, 3 * 1440))
def test_between_matches_minute_stepping(case: CalendarCase, minutes: int) -> None:
    end = case.start + timedelta(minutes=minutes)

    assert business_time_between(case.calendar, case.start, end) == ref_between(
        case.calendar, case.start, end
    )


@REFERENCE
@given(case=calendar_cases(days=1, published=False), minutes=st.integers(0, 12 * 60))
def test_add_matches_minute_stepping(case: CalendarCase, minutes: int) -> None:
    # at most two weeks' worth, so that the reference steps through weeks, not years
    weekly = sum(w.end - w.start for w in case.calendar.windows)
    duration = timedelta(minutes=min(minutes, 2 * weekly))

    assert add_business_time(case.calendar, case.start, duration) == ref_add(
        case.calendar, case.start, duration
    )

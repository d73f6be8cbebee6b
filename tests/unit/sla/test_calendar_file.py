"""Calendar files: the published versions load, and every bad file is refused."""

from __future__ import annotations

import copy
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

from ticketing.errors import PolicyError
from ticketing.policies.calendar import Calendar, WorkingWindow
from ticketing.policies.calendar_file import (
    PUBLISHED_CALENDARS,
    load_calendar,
    parse_calendar,
    published_calendar_versions,
)
from ticketing.policies.policy_file import read_versioned_file

if TYPE_CHECKING:
    from pathlib import Path

VALID: dict[str, Any] = {
    "version": "cal-v1",
    "time_zone": "Europe/Amsterdam",
    "holidays": [{"date": date(2026, 4, 27), "name": "Koningsdag"}],
    "windows": {"mon": ["08:00-12:00", "13:00-17:00"], "fri": ["22:00-02:00"]},
}


def test_published_calendars_load_under_their_own_version() -> None:
    versions = published_calendar_versions()

    loaded = {v: load_calendar(v) for v in versions}

    assert {"24x7-v1", "nl-office-v1", "us-office-v1"} <= set(versions)
    assert all(c.version == v for v, c in loaded.items())
    assert set(PUBLISHED_CALENDARS) == set(versions)


def test_nl_office_is_weekdays_eight_to_six_in_amsterdam() -> None:
    cal = load_calendar("nl-office-v1")

    assert cal.time_zone == "Europe/Amsterdam"
    assert [str(w) for w in cal.windows] == [
        f"{d} 08:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri")
    ]
    assert cal.is_holiday(date(2026, 4, 27))
    assert not cal.is_holiday(date(2026, 4, 3))  # Good Friday is a working day


def test_us_office_is_weekdays_nine_to_five_in_new_york() -> None:
    cal = load_calendar("us-office-v1")

    assert cal.time_zone == "America/New_York"
    assert len(cal.windows) == 5
    assert cal.is_holiday(date(2026, 11, 26))  # Thanksgiving
    assert cal.is_holiday(date(2026, 7, 3))  # Independence Day observed


def test_24x7_is_always_open() -> None:
    cal = load_calendar("24x7-v1")

    assert cal.always_open
    assert cal.windows == ()


def test_window_over_midnight_ends_the_next_day() -> None:
    cal = parse_calendar(VALID, "<valid>")

    assert WorkingWindow(weekday=4, start=22 * 60, end=26 * 60) in cal.windows
    assert str(cal.windows[-1]) == "fri 22:00-02:00"


def test_window_until_midnight_can_be_written_either_way() -> None:
    raw = VALID | {"windows": {"mon": ["20:00-24:00"], "tue": ["20:00-00:00"]}}

    cal = parse_calendar(raw, "<valid>")

    assert [w.end for w in cal.windows] == [1440, 1440]


def _set(path: str, value: object) -> dict[str, Any]:
    raw = copy.deepcopy(VALID)
    *parents, last = path.split(".")
    node = raw
    for key in parents:
        node = node[key]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value
    return raw


_DELETE = object()

BAD_FILES = [
    ("version", _DELETE, "version", "non-empty string"),
    ("holiday", [], "holiday", "unknown key"),
    ("time_zone", "Mars/Olympus_Mons", "time_zone", "unknown IANA zone"),
    ("time_zone", 5, "time_zone", "non-empty string"),
    ("always_open", "yes", "always_open", "true or false"),
    ("always_open", True, "windows", "24x7 calendar has no windows"),
    ("windows", {}, "windows", "at least one window"),
    ("windows", ["08:00-18:00"], "windows", "table of weekday"),
    ("windows.funday", ["08:00-18:00"], "windows.funday", "unknown key"),
    ("windows.mon", "08:00-18:00", "windows.mon", "a list like"),
    ("windows.mon", ["8-18"], "windows.mon[0]", "not like '08:00-18:00'"),
    ("windows.mon", ["08:00-08:00"], "windows.mon[0]", "equal start and end"),
    ("windows.mon", ["25:00-26:00"], "windows.mon[0]", "not a valid time range"),
    ("windows.mon", ["08:00-24:30"], "windows.mon[0]", "not a valid time range"),
    ("windows.mon", ["08:00-12:00", "11:00-13:00"], "windows", "overlap"),
    ("windows.sat", ["01:00-03:00"], "windows", "overlap"),  # fri 22:00-02:00
    ("holidays", "2026-01-01", "holidays", "a list of {date, name}"),
    ("holidays", ["2026-01-01"], "holidays[0]", "date = YYYY-MM-DD"),
    ("holidays", [{"date": "2026-01-01", "name": "x"}], "holidays[0].date", "date"),
    ("holidays", [{"date": date(2026, 1, 1)}], "holidays[0].name", "non-empty"),
    (
        "holidays",
        [{"date": date(2026, 1, 1), "name": "x", "colour": "red"}],
        "holidays[0].colour",
        "unknown key",
    ),
    (
        "holidays",
        [
            {"date": date(2026, 1, 1), "name": "a"},
            {"date": date(2026, 1, 1), "name": "b"},
        ],
        "holidays[1].date",
        "listed twice",
    ),
]


@pytest.mark.parametrize(("path", "value", "field", "reason"), BAD_FILES)
def test_bad_calendar_file_is_refused_naming_file_and_field(
    path: str, value: object, field: str, reason: str
) -> None:
    raw = _set(path, value)

    with pytest.raises(PolicyError) as err:
        parse_calendar(raw, "calendars/bad.toml")

    assert err.value.code == "invalid_policy"
    assert err.value.details["file"] == "calendars/bad.toml"
    assert err.value.details["field"] == field
    assert reason in err.value.details["reason"]


def test_sunday_night_window_overlapping_monday_morning_is_refused() -> None:
    raw = VALID | {"windows": {"sun": ["22:00-02:00"], "mon": ["01:00-05:00"]}}

    with pytest.raises(PolicyError, match="overlap"):
        parse_calendar(raw, "<bad>")


def test_unknown_published_version_is_refused() -> None:
    with pytest.raises(PolicyError) as err:
        load_calendar("no-such-calendar")

    assert err.value.details["field"] == "version"


def test_file_declaring_another_version_is_refused(tmp_path: Path) -> None:
    (tmp_path / "cal-v2.toml").write_text('version = "cal-v1"\n')

    with pytest.raises(PolicyError) as err:
        read_versioned_file(tmp_path, "cal-v2", "calendar")

    assert "expected 'cal-v2'" in err.value.details["reason"]


def test_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    (tmp_path / "cal-v1.toml").write_text("version = \n")

    with pytest.raises(PolicyError) as err:
        read_versioned_file(tmp_path, "cal-v1", "calendar")

    assert err.value.details["field"] == "(file)"


def test_published_calendars_mapping_refuses_unknown_versions() -> None:
    assert "nl-office-v1" in PUBLISHED_CALENDARS
    assert "nl-office-v9" not in PUBLISHED_CALENDARS
    assert len(PUBLISHED_CALENDARS) == len(published_calendar_versions())


@pytest.mark.parametrize(
    ("windows", "always_open", "message"),
    [
        ((), False, "not both"),
        ((WorkingWindow(0, 480, 600),), True, "not both"),
        ((WorkingWindow(7, 480, 600),), False, "out of range"),
        ((WorkingWindow(0, 1440, 1500),), False, "out of range"),
        ((WorkingWindow(0, 600, 600),), False, "more than 0"),
        ((WorkingWindow(0, 60, 1501),), False, "at most 24 hours"),
    ],
)
def test_calendar_model_refuses_impossible_windows(
    windows: tuple[WorkingWindow, ...], always_open: bool, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Calendar("x", "UTC", windows=windows, always_open=always_open)


def test_description_must_be_text() -> None:
    with pytest.raises(PolicyError) as err:
        parse_calendar(VALID | {"description": 5}, "<bad>")

    assert err.value.details["field"] == "description"


def test_windows_print_as_they_are_written() -> None:
    raw = VALID | {"windows": {"mon": ["00:00-24:00"], "sat": ["23:30-00:15"]}}

    cal = parse_calendar(raw, "<valid>")

    assert [str(w) for w in cal.windows] == ["mon 00:00-24:00", "sat 23:30-00:15"]

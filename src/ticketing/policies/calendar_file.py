"""Business calendar files: ``policies/data/calendars/<version>.toml`` -> Calendar.

Validation is complete before a Calendar is built: a bad file raises a
PolicyError naming the file, the field and what is wrong, and nothing is loaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ticketing.errors import PolicyError
from ticketing.policies.calendar import (
    MINUTES_PER_DAY,
    WEEKDAYS,
    Calendar,
    Holiday,
    WorkingWindow,
    window_problem,
)
from ticketing.policies.policy_file import (
    check_keys,
    optional_text,
    read_versioned_file,
    require_text,
)

DATA_DIR: Final = Path(__file__).parent / "data" / "calendars"
_KEYS: Final = (
    "version",
    "description",
    "time_zone",
    "always_open",
    "holidays",
    "windows",
)
_WINDOW: Final = re.compile(r"(\d\d):(\d\d)-(\d\d):(\d\d)")


def parse_calendar(raw: Mapping[str, Any], source: str) -> Calendar:
    """Validate a decoded calendar file and build the Calendar."""
    check_keys(raw, _KEYS, source)
    version = require_text(raw, "version", source, "version")
    zone = require_text(raw, "time_zone", source, "time_zone")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise PolicyError.at(
            source, "time_zone", f"unknown IANA zone {zone!r}"
        ) from exc
    always_open = raw.get("always_open", False)
    if not isinstance(always_open, bool):
        raise PolicyError.at(source, "always_open", "true or false is required")
    windows = _parse_windows(raw.get("windows"), source)
    if always_open and windows:
        raise PolicyError.at(source, "windows", "a 24x7 calendar has no windows")
    if not always_open and not windows:
        reason = "at least one window is required (or always_open = true)"
        raise PolicyError.at(source, "windows", reason)
    problem = window_problem(windows)
    if problem is not None:
        raise PolicyError.at(source, "windows", problem)
    return Calendar(
        version=version,
        time_zone=zone,
        windows=windows,
        holidays=_parse_holidays(raw.get("holidays", []), source),
        always_open=always_open,
        description=optional_text(raw, "description", source),
    )


def _parse_windows(raw: object, source: str) -> tuple[WorkingWindow, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise PolicyError.at(
            source, "windows", "a table of weekday = [windows] is required"
        )
    check_keys(raw, WEEKDAYS, source, "windows")
    windows: list[WorkingWindow] = []
    for weekday, name in enumerate(WEEKDAYS):
        spans = raw.get(name, [])
        if not isinstance(spans, list):
            reason = 'a list like ["08:00-12:00", "13:00-17:00"] is required'
            raise PolicyError.at(source, f"windows.{name}", reason)
        for i, span in enumerate(spans):
            field = f"windows.{name}[{i}]"
            windows.append(_parse_window(weekday, span, source, field))
    return tuple(windows)


def _parse_window(weekday: int, span: object, source: str, field: str) -> WorkingWindow:
    match = _WINDOW.fullmatch(span) if isinstance(span, str) else None
    if match is None:
        raise PolicyError.at(source, field, f"{span!r} is not like '08:00-18:00'")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 != 0):
        raise PolicyError.at(source, field, f"{span!r} is not a valid time range")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == end:
        reason = f"{span!r} has equal start and end (a whole day is '00:00-24:00')"
        raise PolicyError.at(source, field, reason)
    if end < start:  # runs over midnight into the next day
        end += MINUTES_PER_DAY
    return WorkingWindow(weekday=weekday, start=start, end=end)


def _parse_holidays(raw: object, source: str) -> tuple[Holiday, ...]:
    if not isinstance(raw, list):
        raise PolicyError.at(source, "holidays", "a list of {date, name} is required")
    holidays: list[Holiday] = []
    seen: set[date] = set()
    for i, entry in enumerate(raw):
        field = f"holidays[{i}]"
        if not isinstance(entry, dict):
            raise PolicyError.at(source, field, "{ date = YYYY-MM-DD, name = ... }")
        check_keys(entry, ("date", "name"), source, field)
        day = entry.get("date")
        if type(day) is not date:  # a TOML datetime is a date subclass
            raise PolicyError.at(
                source, f"{field}.date", "a TOML local date is required"
            )
        if day in seen:
            raise PolicyError.at(source, f"{field}.date", f"{day} is listed twice")
        seen.add(day)
        name = require_text(entry, "name", source, f"{field}.name")
        holidays.append(Holiday(day=day, name=name))
    return tuple(sorted(holidays, key=lambda h: h.day))


@lru_cache(maxsize=64)
def load_calendar(version: str) -> Calendar:
    """Load a published calendar version from the package data (one shared instance,
    so that its per-date memo is shared too)."""
    raw = read_versioned_file(DATA_DIR, version, "calendar")
    return parse_calendar(raw, str(DATA_DIR / f"{version}.toml"))


@lru_cache(maxsize=1)
def published_calendar_versions() -> tuple[str, ...]:
    """Every calendar version shipped as package data."""
    return tuple(sorted(p.stem for p in DATA_DIR.glob("*.toml")))


class PublishedCalendars(Mapping[str, Calendar]):
    """Read-only mapping of every published calendar version, loaded on first use."""

    def __getitem__(self, version: str) -> Calendar:
        if version not in published_calendar_versions():
            raise KeyError(version)
        return load_calendar(version)

    def __iter__(self) -> Iterator[str]:
        return iter(published_calendar_versions())

    def __len__(self) -> int:
        return len(published_calendar_versions())


PUBLISHED_CALENDARS: Final = PublishedCalendars()

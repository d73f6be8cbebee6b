"""Time comes in through a Clock: the only place that reads the wall clock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(tz=UTC)


class SettableClock:
    """A clock that reads what it was set to: for tests, imports and replays."""

    def __init__(self, start: datetime) -> None:
        self._lock = threading.Lock()
        self._now = ensure_utc(start)

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, instant: datetime) -> None:
        with self._lock:
            self._now = ensure_utc(instant)

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now = self._now + delta
            return self._now


def ensure_utc(instant: datetime) -> datetime:
    """Return ``instant`` in UTC; naive datetimes are refused, never guessed."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        msg = f"naive datetime {instant.isoformat()} (a time zone is required)"
        raise ValueError(msg)
    return instant.astimezone(UTC)

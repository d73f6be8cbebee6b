"""Fixtures for projection integration tests: a runtime on the backend matrix."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.support.projections import T0, start_runtime
from ticketing.clock import SettableClock

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ticketing.runtime import Runtime


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(T0)


@pytest.fixture
def runtime(db_url: str, clock: SettableClock) -> Iterator[Runtime]:
    """A runtime on a fresh SQLite file or PostgreSQL schema, on a settable clock."""
    rt = start_runtime(db_url, clock)
    try:
        yield rt
    finally:
        rt.close()


@pytest.fixture
def sqlite_runtime(sqlite_url: str, clock: SettableClock) -> Iterator[Runtime]:
    """A runtime on a fresh SQLite file only, on a settable clock."""
    rt = start_runtime(sqlite_url, clock)
    try:
        yield rt
    finally:
        rt.close()

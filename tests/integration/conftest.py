"""Runtimes over the backend matrix for the integration tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from ticketing.runtime import Runtime, build_runtime
from ticketing.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def runtime(db_url: str) -> Iterator[Runtime]:
    """A runtime on a fresh database (SQLite file and PostgreSQL schema)."""
    built = build_runtime(Settings(db_url=db_url))
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def sqlite_runtime(sqlite_url: str) -> Iterator[Runtime]:
    built = build_runtime(Settings(db_url=sqlite_url))
    try:
        yield built
    finally:
        built.close()

"""Fixtures for the rules engine unit tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.support.rules_fixtures import demo_directory

if TYPE_CHECKING:
    from ticketing.rules import Directory


@pytest.fixture(scope="session")
def directory() -> Directory:
    return demo_directory()

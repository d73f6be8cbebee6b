"""Command-level tests run the real service on an in-memory SQLite store."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.support.service import open_runtime

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ticketing.runtime import Runtime


@pytest.fixture
def runtime() -> Iterator[Runtime]:
    with open_runtime("sqlite:///:memory:") as rt:
        yield rt

"""verify_log streams the log page by page: findings do not depend on the page size."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.support import tamper
from tests.support.service_history import runtime_for, write_sample_history
from ticketing.store.verify import verify_log

if TYPE_CHECKING:
    from collections.abc import Callable

pytestmark = pytest.mark.integration

TAMPERINGS: dict[str, Callable[[str], object]] = {
    "edit": lambda url: tamper.edit_state_byte(url, 4),
    "delete": lambda url: tamper.delete_event(url, 4),
    "insert": lambda url: tamper.insert_copy(url, after=3, source=2, chained=True),
    "swap_contents": lambda url: tamper.swap_contents(url, 4, 11),
    "swap_rows": lambda url: tamper.swap_rows(url, 4, 5),
}


@pytest.mark.parametrize("how", sorted(TAMPERINGS))
def test_findings_are_the_same_for_every_page_size(sqlite_url: str, how: str) -> None:
    with runtime_for(sqlite_url) as runtime:
        write_sample_history(runtime)
    TAMPERINGS[how](sqlite_url)

    with runtime_for(sqlite_url) as runtime:
        reports = [
            verify_log(runtime.recorder, page_size=size) for size in (1, 2, 3, 4, 1000)
        ]

    assert all(not r.ok for r in reports)
    assert all(r.findings == reports[0].findings for r in reports), reports
    assert len({r.events for r in reports}) == 1


def test_progress_reports_each_page_up_to_the_head(sqlite_url: str) -> None:
    with runtime_for(sqlite_url) as runtime:
        write_sample_history(runtime)
        seen: list[tuple[int, int]] = []

        report = verify_log(
            runtime.recorder, page_size=5, progress=lambda d, t: seen.append((d, t))
        )

    assert report.ok
    assert seen == [(5, 17), (10, 17), (15, 17), (17, 17)]

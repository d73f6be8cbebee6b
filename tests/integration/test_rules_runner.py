"""The in-process runner: threads start, react, stand by, and stop on request."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import pytest

from tests.support.rules_runtime import (
    activate_default,
    open_ticket,
    rules_runtime,
    seed_directory,
    ticket,
)
from ticketing.aggregates.ticket import Ticket
from ticketing.rules.wiring import start_rules_automation

if TYPE_CHECKING:
    from collections.abc import Callable

pytestmark = pytest.mark.integration


def _eventually(check: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_two_runtimes_on_one_database_route_each_ticket_once(db_url: str) -> None:
    first, _ = rules_runtime(db_url)
    second, _ = rules_runtime(db_url)
    stop = threading.Event()
    try:
        seed_directory(first)
        activate_default(first)
        threads = start_rules_automation(first, stop, timers=True, webhooks=False)
        threads += start_rules_automation(second, stop, timers=False, webhooks=False)
        time.sleep(0.5)  # both started: one holds the lock, one stands by
        ids = [open_ticket(first, title=f"Password reset {i}") for i in range(3)]

        assert _eventually(lambda: all(ticket(first, i).assignee for i in ids))
        stop.set()
        for thread in threads:
            thread.join(timeout=10)

        assert not any(t.is_alive() for t in threads)
        for ticket_id in ids:
            records = first.recorder.select_aggregate_records(ticket_id)
            events = [first.app.mapper.to_domain_event(r) for r in records]
            routed = [e for e in events if isinstance(e, Ticket.Routed)]
            assert len(routed) == 1
        assert [ticket(first, i).assignee for i in ids] == ["ian", "iris", "ivo"]
    finally:
        stop.set()
        first.close()
        second.close()

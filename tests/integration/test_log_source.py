"""Pages of the log for catch-up: bounds, limits, topics."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.support.strategies import run_steps, scripted_steps

if TYPE_CHECKING:
    from ticketing.clock import SettableClock
    from ticketing.runtime import Runtime

pytestmark = pytest.mark.integration


def test_pages_respect_after_limit_and_stop(
    runtime: Runtime, clock: SettableClock
) -> None:
    run_steps(runtime.service, clock, scripted_steps(4))
    source = runtime.projections.source
    head = source.head()

    assert [r.id for r in source.read_page(0, 5)] == [1, 2, 3, 4, 5]
    assert [r.id for r in source.read_page(3, 4, stop=5)] == [4, 5]
    assert [r.id for r in source.read_page(3, 2, stop=5)] == [4, 5]
    assert [r.id for r in source.read_page(head - 1, 10)] == [head]
    assert source.read_page(head, 10) == []
    assert source.read_page(2, 10, stop=2) == []


def test_decoding_keeps_only_the_relevant_topics(
    runtime: Runtime, clock: SettableClock
) -> None:
    run_steps(runtime.service, clock, scripted_steps(4))
    source = runtime.projections.source
    opened = "ticketing.aggregates.ticket:Ticket.Opened"

    page = source.read_page(0, 100)
    events = source.decode(page, relevant=(opened,))

    assert len(page) > 4
    assert [e.event_type for e in events] == ["Opened"] * 4

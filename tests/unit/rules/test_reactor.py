"""The reactor's edges: re-reading after a failure, webhooks beyond the bound."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from tests.support.builders import MATRIX
from tests.support.memory_log import ListSink, Sim, memory_reactor
from tests.support.rules_fixtures import demo_directory
from ticketing.aggregates.ticket import Ticket
from ticketing.rules.timers import TimeRules

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    import pytest

    from ticketing.automation.scheduler import Due

HOOKS = """version = "hooks-1"
queues = ["desk"]
max_chain_depth = 1

[[rule]]
id = "ROUTE"
when = "true"
route = { queue = "desk" }

[[rule]]
id = "HOOK"
on = ["opened", "changed"]
when = 'queue == "desk"'
webhook = { name = "desk-hook", url = "https://hooks.example.invalid/desk" }
"""


def _sim(text: str, version: str) -> tuple[Sim, ListSink]:
    sim = Sim()
    sim.directory(demo_directory())
    sim.activate(text, version)
    sink = ListSink()
    return sim, sink


def test_a_webhook_beyond_the_chain_bound_is_not_sent_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sim, sink = _sim(HOOKS, "hooks-1")
    reactor = memory_reactor(sim, sink)
    reactor.warm_up(sim.log.head())
    sim.cursor = sim.log.head()
    sim.open()

    with caplog.at_level(logging.ERROR, logger="ticketing.rules.reactor"):
        sim.run(reactor)

    assert sink.requests == []  # the Routed event is at depth 1 = the bound
    assert "webhook(s) ['HOOK']" in caplog.text
    assert "chain depth 1 (limit 1)" in caplog.text


def test_going_back_refolds_and_decides_the_same() -> None:
    sim, sink = _sim(HOOKS.replace("max_chain_depth = 1", ""), "hooks-1")
    reactor = memory_reactor(sim, sink)
    reactor.warm_up(sim.log.head())
    sim.cursor = sim.log.head()
    sim.open()
    opened = sim.log.events[-1]
    first = reactor.react(opened)
    reactor.react(sim.log.events[-1])

    again = reactor.react(opened)  # the processor re-reads a failed batch

    assert [r.command.name for r in again] == [r.command.name for r in first]
    assert reactor.view.position == opened.position


LATE = """version = "late-1"

[[rule]]
id = "LATE"
on = ["time"]
when = 'state == "new" and now.hour >= 18'
tag = "after-hours"
"""


def test_time_rules_reading_the_hour_wake_up_every_full_hour() -> None:
    sim, sink = _sim(LATE, "late-1")
    ticket_id = sim.open()  # 09:0x
    source = TimeRules(sim.log, lambda t: sim.tickets[t], MATRIX, sink, None)

    def due(at: datetime) -> list[Due]:
        return list(source.due(at))

    morning = sim.at + timedelta(minutes=5)
    evening = sim.at.replace(hour=18, minute=0, second=30)

    assert due(morning) == []
    found = due(evening)
    assert [(d.reaction.rule_id, d.due_at.hour) for d in found] == [("LATE", 18)]
    assert found[0].key.startswith(f"rules:{ticket_id}:LATE:tag:")
    assert due(evening + timedelta(minutes=1)) == []


def test_a_closed_ticket_has_no_timers() -> None:
    sim, sink = _sim(LATE, "late-1")
    ticket_id: UUID = sim.open()
    sim.act(ticket_id, lambda t, c: t.cancel(c, "duplicate"))
    source = TimeRules(sim.log, lambda t: sim.tickets[t], MATRIX, sink, None)

    assert list(source.due(sim.at.replace(hour=19))) == []
    assert isinstance(sim.tickets[ticket_id], Ticket)

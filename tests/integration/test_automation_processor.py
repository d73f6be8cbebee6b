"""The automation processor: live only, attributed, idempotent, loop-bounded."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.support.runtime import AGENT_CTX, START, sqlite_runtime
from ticketing.aggregates.envelope import Actor
from ticketing.aggregates.ticket import Ticket
from ticketing.automation.processor import AutomationProcessor, Reaction
from ticketing.commands import messages as m
from ticketing.commands.service import CommandContext
from ticketing.projections import registry
from ticketing.store.datastore import write_transaction

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

    from ticketing.projections.base import LogEvent
    from ticketing.runtime import Runtime

pytestmark = pytest.mark.integration


class RouteNewTickets:
    """Routes every opened ticket to 'triage' (rule R1)."""

    name = "test-router"

    def react(self, log: LogEvent) -> Sequence[Reaction]:
        if isinstance(log.event, Ticket.Opened):
            cmd = m.RouteTicket(ticket_id=log.originator_id, queue="triage")
            return [Reaction(cmd, "R1", "rs-1", "route")]
        return []


class PingPong:
    """Re-routes on every Routed event: an endless rule loop."""

    name = "ping-pong"

    def react(self, log: LogEvent) -> Sequence[Reaction]:
        e = log.event
        if isinstance(e, Ticket.Opened | Ticket.Routed):
            queue = "b" if getattr(e, "queue", None) == "a" else "a"
            cmd = m.RouteTicket(ticket_id=log.originator_id, queue=queue)
            return [Reaction(cmd, "LOOP", "rs-1", "route")]
        return []


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    rt, _ = sqlite_runtime(tmp_path)
    yield rt
    rt.close()


def _open(runtime: Runtime, ctx: CommandContext = AGENT_CTX) -> m.OpenTicket:
    cmd = m.OpenTicket(
        type="incident", title="x", impact=2, urgency=2, requester_id="r"
    )
    runtime.service.execute(cmd, ctx)
    return cmd


def _ticket(runtime: Runtime, number: str) -> Ticket:
    return runtime.service.load(runtime.service.resolve_ref(number))


def test_history_before_the_first_run_is_never_triggered(runtime: Runtime) -> None:
    _open(runtime)
    processor = AutomationProcessor(
        runtime.projections.source, runtime.service, RouteNewTickets()
    )

    processor.run_once(START)

    assert _ticket(runtime, "INC0000001").queue is None


def test_new_ticket_is_routed_with_rule_attribution(runtime: Runtime) -> None:
    processor = AutomationProcessor(
        runtime.projections.source, runtime.service, RouteNewTickets()
    )
    processor.run_once(START)
    _open(runtime)

    processor.run_once(START)

    ticket = _ticket(runtime, "INC0000001")
    routed = runtime.recorder.select_aggregate_records(ticket.id)[-1]
    event = runtime.app.mapper.to_domain_event(routed)
    assert isinstance(event, Ticket.Routed)
    assert event.meta.actor == Actor(id="rule:R1", role="automation", kind="rule")
    assert (event.meta.rule_id, event.meta.rule_set_version) == ("R1", "rs-1")
    assert event.meta.causation_id == f"{ticket.id}:1"
    assert event.meta.depth == 1


def test_reprocessing_after_a_crash_adds_nothing(runtime: Runtime) -> None:
    source = runtime.projections.source
    processor = AutomationProcessor(source, runtime.service, RouteNewTickets())
    processor.run_once(START)
    _open(runtime)
    processor.run_once(START)
    head = source.head()
    with write_transaction(runtime.engine) as conn:  # checkpoint lost: back to 0
        gen = registry.get_active(conn, processor.key)
        assert gen is not None
        registry.set_fields(conn, gen.key, gen.generation, position=0)

    processor.run_once(START)

    assert source.head() == head
    assert [o.status for o in processor.outcomes] == ["applied", "replayed"]


def test_imported_events_never_trigger_automation(runtime: Runtime) -> None:
    processor = AutomationProcessor(
        runtime.projections.source, runtime.service, RouteNewTickets()
    )
    processor.run_once(START)
    importer = CommandContext(actor=Actor(id="migr", role="import", kind="import"))
    _open(runtime, importer)

    processor.run_once(START)

    assert _ticket(runtime, "INC0000001").queue is None


def test_a_rule_loop_stops_at_the_depth_limit_and_is_recorded(runtime: Runtime) -> None:
    processor = AutomationProcessor(
        runtime.projections.source, runtime.service, PingPong(), max_depth=3
    )
    processor.run_once(START)
    _open(runtime)

    for _ in range(10):
        processor.run_once(START)

    ticket = _ticket(runtime, "INC0000001")
    records = runtime.recorder.select_aggregate_records(ticket.id)
    events = [runtime.app.mapper.to_domain_event(r) for r in records]
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["Opened", "Routed", "Routed", "Routed", "AutomationHalted"]
    halt = events[-1]
    assert isinstance(halt, Ticket.AutomationHalted)
    assert (halt.rule_id, halt.depth) == ("LOOP", 4)
    assert "limit 3" in halt.reason
    assert processor.outcomes[-1].status == "halted"

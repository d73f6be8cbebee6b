"""Every command through the service: one transaction, one result, events stored."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from tests.support.service import AS_AGENT, open_ticket, opened
from ticketing.aggregates.ticket import Ticket
from ticketing.commands import messages as m
from ticketing.commands.service import CommandContext
from ticketing.ids import ticket_id_for_key

if TYPE_CHECKING:
    from ticketing.runtime import Runtime


def test_open_returns_number_version_and_position(runtime: Runtime) -> None:
    command = open_ticket(impact=1, urgency=1, tags=("vip",))

    result = runtime.service.execute(command, AS_AGENT)

    assert result.command_id == command.command_id
    assert result.ticket_id == ticket_id_for_key(command.command_id)
    assert (result.number, result.version, result.position) == ("INC0000001", 1, 1)
    assert (result.events, result.replayed) == (1, False)
    ticket = runtime.service.load(result.ticket_id)
    assert (ticket.state, ticket.priority, ticket.tags) == ("new", "P1", ("vip",))


@pytest.mark.parametrize(
    ("ticket_type", "prefix"),
    [
        ("incident", "INC"),
        ("service_request", "REQ"),
        ("problem", "PRB"),
        ("change", "CHG"),
    ],
)
def test_numbers_count_per_type(
    runtime: Runtime, ticket_type: str, prefix: str
) -> None:
    runtime.service.execute(open_ticket(type="incident"), AS_AGENT)
    numbers = [
        runtime.service.execute(open_ticket(type=ticket_type), AS_AGENT).number
        for _ in range(2)
    ]

    first = 2 if prefix == "INC" else 1
    assert numbers == [f"{prefix}{first:07d}", f"{prefix}{first + 1:07d}"]


def test_a_workflow_advances_version_and_position(runtime: Runtime) -> None:
    tid = opened(runtime)
    other = opened(runtime, type="problem")
    commands: list[m.TicketCommand] = [
        m.RouteTicket(ticket_id=tid, queue="network", group="l2"),
        m.AssignTicket(ticket_id=tid, agent_id="zoe"),
        m.ChangePriority(ticket_id=tid, impact=1),
        m.AddComment(ticket_id=tid, body="looking", visibility="internal"),
        m.TagTicket(ticket_id=tid, tag="vip"),
        m.LinkTickets(ticket_id=tid, kind="problem", target_id=other),
        m.PutOnHold(ticket_id=tid, reason="awaiting_vendor"),
        m.ResumeTicket(ticket_id=tid),
        m.EscalateTicket(ticket_id=tid, reason="slow"),
        m.UnlinkTickets(ticket_id=tid, kind="problem", target_id=other),
        m.UntagTicket(ticket_id=tid, tag="vip"),
        m.UnassignTicket(ticket_id=tid),
        m.ResolveTicket(ticket_id=tid, resolution_code="fixed"),
        m.ReopenTicket(ticket_id=tid, reason="back"),
        m.ResolveTicket(ticket_id=tid, resolution_code="fixed"),
        m.CloseTicket(ticket_id=tid),
    ]

    results = [runtime.service.execute(c, AS_AGENT) for c in commands]

    assert [r.version for r in results] == list(range(2, len(commands) + 2))
    assert [r.position for r in results] == list(range(3, len(commands) + 3))
    assert all(r.events == 1 and r.number == "INC0000001" for r in results)
    ticket = runtime.service.load(tid)
    assert (ticket.state, ticket.version) == ("closed", len(commands) + 1)
    assert ticket.resolution_code == "fixed"


def test_cancel_through_the_service(runtime: Runtime) -> None:
    tid = opened(runtime)

    runtime.service.execute(m.CancelTicket(ticket_id=tid, reason="dup"), AS_AGENT)

    assert runtime.service.load(tid).state == "canceled"


def test_events_carry_the_envelope_and_the_service_clock(runtime: Runtime) -> None:
    command = open_ticket()
    ctx = CommandContext(
        actor=AS_AGENT.actor,
        correlation_id="corr-9",
        causation_id="evt-7",
        rule_id="R7",
        rule_set_version="routing-v3",
    )

    result = runtime.service.execute(command, ctx)

    (event,) = runtime.app.repository.event_store.get(result.ticket_id)
    assert isinstance(event, Ticket.Opened)
    meta = event.meta
    assert meta.actor == AS_AGENT.actor
    assert (meta.command_id, meta.correlation_id, meta.causation_id) == (
        command.command_id,
        "corr-9",
        "evt-7",
    )
    assert (meta.rule_id, meta.rule_set_version) == ("R7", "routing-v3")
    assert event.timestamp == runtime.clock.now() - timedelta(seconds=1)


def test_correlation_defaults_to_the_command_id(runtime: Runtime) -> None:
    command = open_ticket()

    result = runtime.service.execute(command, AS_AGENT)

    (event,) = runtime.app.repository.event_store.get(result.ticket_id)
    assert isinstance(event, Ticket.Opened)
    assert event.meta.correlation_id == command.command_id


def test_load_at_a_version(runtime: Runtime) -> None:
    tid = opened(runtime)
    runtime.service.execute(m.AssignTicket(ticket_id=tid, agent_id="z"), AS_AGENT)

    assert runtime.service.load(tid, version=1).state == "new"
    assert runtime.service.load(tid).state == "in_progress"

"""The event log on a real database: what a command leaves behind, read back fresh."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from tests.support.service import (
    AS_AGENT,
    REQUESTER,
    assert_chained,
    open_runtime,
    opened,
)
from ticketing.aggregates.ticket import Ticket
from ticketing.commands import messages as m
from ticketing.commands.service import CommandContext

if TYPE_CHECKING:
    from uuid import UUID

    from ticketing.runtime import Runtime
    from ticketing.store.records import LogRecord

pytestmark = pytest.mark.integration


def workflow(runtime: Runtime) -> UUID:
    tid = opened(runtime, tags=("vip",))
    problem = opened(runtime, type="problem", title="Fusers overheat")
    for command in (
        m.RouteTicket(ticket_id=tid, queue="printing", group="l2"),
        m.AssignTicket(ticket_id=tid, agent_id="zoe"),
        m.LinkTickets(ticket_id=tid, kind="problem", target_id=problem),
        m.PutOnHold(ticket_id=tid, reason="awaiting_vendor", note="part ordered"),
        m.ResumeTicket(ticket_id=tid),
        m.ResolveTicket(ticket_id=tid, resolution_code="replaced", notes="fuser"),
    ):
        runtime.service.execute(command, AS_AGENT)
    runtime.service.execute(
        m.AddComment(ticket_id=tid, body="thanks!"), CommandContext(actor=REQUESTER)
    )
    return tid


def all_records(runtime: Runtime) -> list[LogRecord]:
    return runtime.recorder.select_log(0, 1000)


def test_a_fresh_process_reads_back_the_same_ticket(db_url: str) -> None:
    with open_runtime(db_url) as first:
        tid = workflow(first)
        in_memory = first.service.load(tid)

    with open_runtime(db_url) as second:
        reloaded = second.service.load(tid)

    assert reloaded == in_memory
    assert reloaded.state == "resolved"
    assert reloaded.tags == ("vip",)
    assert isinstance(reloaded.links, tuple)
    assert reloaded.links[0][0] == "problem"
    assert reloaded.version == 8


def test_positions_are_contiguous_and_carry_store_time(db_url: str) -> None:
    with open_runtime(db_url) as runtime:
        workflow(runtime)
        records = all_records(runtime)

    assert [r.id for r in records] == list(range(1, 10))
    times = [datetime.fromisoformat(r.recorded_at) for r in records]
    assert all(t.tzinfo is not None and t.utcoffset() == timedelta(0) for t in times)
    assert times == sorted(times)


def test_every_record_is_chained_to_its_predecessor(db_url: str) -> None:
    with open_runtime(db_url) as runtime:
        workflow(runtime)
        records = all_records(runtime)

    assert_chained(records)


def test_stored_events_carry_topic_envelope_and_domain_time(db_url: str) -> None:
    with open_runtime(db_url) as runtime:
        tid = workflow(runtime)
        events = list(runtime.app.repository.event_store.get(tid))
        records = [r for r in all_records(runtime) if r.originator_id == tid]

    assert records[0].topic == "ticketing.aggregates.ticket:Ticket.Opened"
    assert b'"_type_":"envelope"' in records[0].state
    comment = events[-1]
    assert isinstance(comment, Ticket.CommentAdded)
    assert (comment.meta.actor, comment.author_kind) == (REQUESTER, "requester")
    assert isinstance(events[0], Ticket.Opened)
    assert events[0].timestamp < comment.timestamp


def test_notifications_follow_the_log_order(db_url: str) -> None:
    with open_runtime(db_url) as runtime:
        workflow(runtime)
        notes = runtime.recorder.select_notifications(start=None, limit=100)
        head = runtime.recorder.max_notification_id()
        topics = runtime.recorder.select_notifications(
            start=None, limit=100, topics=["ticketing.aggregates.ticket:Ticket.Opened"]
        )

    assert [n.id for n in notes] == list(range(1, 10))
    assert head == 9
    assert [n.id for n in topics] == [1, 2]

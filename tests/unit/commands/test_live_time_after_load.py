"""A live command is never refused as out of order because its clock read was early."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ticketing.aggregates.envelope import Actor
from ticketing.clock import SettableClock
from ticketing.commands import messages as m
from ticketing.commands.service import CommandContext
from ticketing.errors import OutOfOrderTimeError
from ticketing.runtime import build_runtime
from ticketing.settings import Settings

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AGENT = CommandContext(actor=Actor("alice", "agent", "human"))


def test_a_clock_behind_the_last_event_records_at_the_last_event(
    sqlite_url: str,
) -> None:
    # given a ticket whose last event is at T0 (another writer, another host)
    clock = SettableClock(T0)
    runtime = build_runtime(Settings(db_url=sqlite_url), clock=clock)
    try:
        opened = runtime.service.execute(
            m.OpenTicket(
                type="incident", title="t", impact=1, urgency=1, requester_id="r"
            ),
            AGENT,
        )

        # when this process's clock reads a little earlier
        clock.set(T0 - timedelta(milliseconds=3))
        runtime.service.execute(
            m.AddComment(ticket_id=opened.ticket_id, body="hi"), AGENT
        )

        # then the command is accepted, at the time of the event before it
        ticket = runtime.service.load(opened.ticket_id)
        assert ticket.version == 2
        assert ticket.modified_on == T0
    finally:
        runtime.close()


def test_an_import_still_may_not_go_back_in_time(sqlite_url: str) -> None:
    runtime = build_runtime(Settings(db_url=sqlite_url), clock=SettableClock(T0))
    importer = CommandContext(actor=Actor("snow", "importer", "import"))
    try:
        opened = runtime.service.execute(
            m.OpenTicket(
                type="incident", title="t", impact=1, urgency=1, requester_id="r"
            ),
            AGENT,
        )
        early = CommandContext(importer.actor, occurred_at=T0 - timedelta(days=1))
        with pytest.raises(OutOfOrderTimeError):
            runtime.service.execute(
                m.AddComment(ticket_id=opened.ticket_id, body="old"), early
            )
    finally:
        runtime.close()

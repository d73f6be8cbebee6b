"""On a real database a rejected command leaves every table exactly as it was."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from tests.support.service import (
    AS_AGENT,
    IMPORTER,
    REQUESTER,
    log_state,
    open_runtime,
    open_ticket,
    opened,
)
from ticketing.commands import messages as m
from ticketing.commands.service import CommandContext
from ticketing.errors import TicketingError

if TYPE_CHECKING:
    from uuid import UUID

    from ticketing.runtime import Runtime

pytestmark = pytest.mark.integration

Attempt = Callable[["Runtime", "UUID"], tuple[m.Command, CommandContext]]

ATTEMPTS: dict[str, tuple[Attempt, str]] = {
    "unknown ticket": (
        lambda rt, t: (m.TagTicket(ticket_id=uuid.uuid4(), tag="x"), AS_AGENT),
        "ticket_not_found",
    ),
    "invalid transition": (
        lambda rt, t: (m.ReopenTicket(ticket_id=t, reason="r"), AS_AGENT),
        "invalid_transition",
    ),
    "no change": (
        lambda rt, t: (m.RouteTicket(ticket_id=t, queue="desk"), AS_AGENT),
        "no_change",
    ),
    "stale version": (
        lambda rt, t: (m.TagTicket(ticket_id=t, tag="x", expected_version=1), AS_AGENT),
        "version_conflict",
    ),
    "reused command id": (
        lambda rt, t: (
            m.TagTicket(ticket_id=t, tag="x", command_id="route-1"),
            AS_AGENT,
        ),
        "idempotency_conflict",
    ),
    "out of order import": (
        lambda rt, t: (
            m.TagTicket(ticket_id=t, tag="x"),
            CommandContext(
                actor=IMPORTER, occurred_at=rt.clock.now() - timedelta(days=1)
            ),
        ),
        "out_of_order_time",
    ),
    "internal comment by requester": (
        lambda rt, t: (
            m.AddComment(ticket_id=t, body="b", visibility="internal"),
            CommandContext(actor=REQUESTER),
        ),
        "invalid_command",
    ),
    "link to itself": (
        lambda rt, t: (
            m.LinkTickets(ticket_id=t, kind="parent", target_id=t),
            AS_AGENT,
        ),
        "invalid_command",
    ),
    "link to nothing": (
        lambda rt, t: (
            m.LinkTickets(ticket_id=t, kind="parent", target_id=uuid.uuid4()),
            AS_AGENT,
        ),
        "ticket_not_found",
    ),
    "taken number": (
        lambda rt, t: (
            open_ticket(number="INC0000001"),
            CommandContext(actor=IMPORTER),
        ),
        "conflict",
    ),
}


@pytest.mark.parametrize("case", sorted(ATTEMPTS))
def test_a_rejected_command_changes_nothing(db_url: str, case: str) -> None:
    attempt, code = ATTEMPTS[case]
    with open_runtime(db_url) as runtime:
        tid = opened(runtime)
        runtime.service.execute(
            m.RouteTicket(ticket_id=tid, queue="desk", command_id="route-1"), AS_AGENT
        )
        command, ctx = attempt(runtime, tid)
        before = log_state(runtime)

        with pytest.raises(TicketingError) as err:
            runtime.service.execute(command, ctx)

        assert err.value.code == code
        assert log_state(runtime) == before
        # and the store still takes the next command normally
        nxt = runtime.service.execute(m.TagTicket(ticket_id=tid, tag="ok"), AS_AGENT)
        assert (nxt.version, nxt.position) == (3, 3)

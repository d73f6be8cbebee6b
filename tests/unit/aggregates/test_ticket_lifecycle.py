"""Reopen, close, cancel: the end of the lifecycle and the way back from resolved."""

from __future__ import annotations

from tests.support.builders import (
    assigned,
    ctx_for,
    expect,
    given,
    reopened,
    resolved,
    routed,
    then_events,
)
from ticketing.aggregates.ticket import Ticket


def test_resolve_records_code_notes_and_time() -> None:
    ticket = given(assigned())
    ctx = ctx_for(ticket)

    ticket.resolve(ctx, "fixed", "replaced the fuser")

    assert (ticket.resolution_code, ticket.resolution_notes) == (
        "fixed",
        "replaced the fuser",
    )
    assert ticket.resolved_at == ctx.occurred_at
    assert ticket.closed_at is None


def test_reopen_clears_the_resolution_and_goes_back_to_work() -> None:
    ticket = given(routed(), assigned("zoe"), resolved())

    ticket.reopen(ctx_for(ticket), "still broken")

    assert then_events(ticket) == [expect(Ticket.Reopened, reason="still broken")]
    assert ticket.state == "in_progress"
    assert (ticket.resolution_code, ticket.resolution_notes, ticket.resolved_at) == (
        None,
        None,
        None,
    )
    assert (ticket.assignee, ticket.queue) == ("zoe", "service-desk")


def test_a_reopened_ticket_can_be_resolved_again() -> None:
    ticket = given(resolved("fixed"), reopened())

    ticket.resolve(ctx_for(ticket), "replaced", "")

    assert (ticket.state, ticket.resolution_code) == ("resolved", "replaced")


def test_close_is_final_and_keeps_the_resolution() -> None:
    ticket = given(resolved("fixed"))
    ctx = ctx_for(ticket)

    ticket.close(ctx, "confirmed by caller")

    assert then_events(ticket) == [expect(Ticket.Closed, note="confirmed by caller")]
    assert (ticket.state, ticket.closed_at) == ("closed", ctx.occurred_at)
    assert ticket.resolution_code == "fixed"
    assert not ticket.is_open


def test_cancel_records_the_reason_and_is_final() -> None:
    ticket = given(assigned())
    ctx = ctx_for(ticket)

    ticket.cancel(ctx, "duplicate of INC0000007")

    assert then_events(ticket) == [
        expect(Ticket.Canceled, reason="duplicate of INC0000007")
    ]
    assert (ticket.state, ticket.closed_at) == ("canceled", ctx.occurred_at)
    assert not ticket.is_open

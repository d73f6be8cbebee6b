"""Put on hold (with a reason) and resume (back to the state before the hold)."""

from __future__ import annotations

import pytest

from tests.support.builders import (
    Step,
    assigned,
    ctx_for,
    expect,
    given,
    on_hold,
    then_events,
)
from ticketing.aggregates.ticket import Ticket
from ticketing.aggregates.vocabulary import HOLD_REASONS, HoldReason


@pytest.mark.parametrize("reason", HOLD_REASONS)
def test_put_on_hold_records_the_reason(reason: HoldReason) -> None:
    ticket = given(assigned())

    ticket.put_on_hold(ctx_for(ticket), reason, "waiting")

    assert then_events(ticket) == [
        expect(Ticket.PutOnHold, reason=reason, note="waiting")
    ]
    assert (ticket.state, ticket.hold_reason) == ("on_hold", reason)
    assert ticket.state_before_hold == "in_progress"


@pytest.mark.parametrize(
    ("history", "back_to"), [((), "new"), ((assigned(),), "in_progress")]
)
def test_resume_returns_to_the_state_before_the_hold(
    history: tuple[Step, ...], back_to: str
) -> None:
    ticket = given(*history, on_hold("awaiting_vendor"))

    ticket.resume(ctx_for(ticket), "vendor replied")

    assert then_events(ticket) == [expect(Ticket.Resumed, note="vendor replied")]
    assert (ticket.state, ticket.hold_reason, ticket.state_before_hold) == (
        back_to,
        None,
        None,
    )


def test_resolve_while_on_hold_clears_the_hold() -> None:
    ticket = given(assigned(), on_hold())

    ticket.resolve(ctx_for(ticket), "workaround", "")

    assert (ticket.state, ticket.hold_reason, ticket.state_before_hold) == (
        "resolved",
        None,
        None,
    )


def test_cancel_while_on_hold_clears_the_hold() -> None:
    ticket = given(on_hold())

    ticket.cancel(ctx_for(ticket), "caller never answered")

    assert (ticket.state, ticket.hold_reason, ticket.state_before_hold) == (
        "canceled",
        None,
        None,
    )

"""Domain time: no event may be earlier than the ticket's previous event."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from tests.support.builders import AGENT, ctx_for, given, resolved, then_events
from tests.unit.aggregates.test_ticket_guards import CASES, ticket_in
from ticketing.aggregates.envelope import Envelope, EventContext
from ticketing.errors import InvalidTransitionError, OutOfOrderTimeError

if TYPE_CHECKING:
    from ticketing.aggregates.ticket import Ticket
    from ticketing.aggregates.vocabulary import State


def shifted(ticket: Ticket, delta: timedelta) -> EventContext:
    """A context ``delta`` after the ticket's last event."""
    envelope = Envelope(actor=AGENT, command_id="late", correlation_id="late")
    return EventContext(envelope, ticket.modified_on + delta)


def working_state(command: str) -> State:
    allowed = CASES[command].allowed
    return "in_progress" if "in_progress" in allowed else sorted(allowed)[0]


@pytest.mark.parametrize("command", sorted(CASES))
def test_an_event_before_the_previous_one_is_refused(command: str) -> None:
    case = CASES[command]
    ticket = ticket_in(working_state(command), case)
    previous = ticket.modified_on

    with pytest.raises(OutOfOrderTimeError) as err:
        case.act(ticket, shifted(ticket, -timedelta(microseconds=1)))

    assert err.value.code == "out_of_order_time"
    assert err.value.details["ticket"] == "INC0000001"
    assert err.value.details["previous_event_at"] == previous.isoformat()
    assert then_events(ticket) == []
    assert ticket.modified_on == previous


@pytest.mark.parametrize("command", sorted(CASES))
def test_an_event_at_the_same_instant_is_accepted(command: str) -> None:
    case = CASES[command]
    ticket = ticket_in(working_state(command), case)

    case.act(ticket, shifted(ticket, timedelta(0)))

    assert len(then_events(ticket)) == 1


def test_the_state_guard_is_checked_before_the_time() -> None:
    ticket = given(resolved())

    with pytest.raises(InvalidTransitionError):
        ticket.resolve(shifted(ticket, -timedelta(days=1)), "again", "")


def test_later_events_move_modified_on_forward() -> None:
    ticket = given()
    ctx = ctx_for(ticket)

    ticket.tag(ctx, "x")

    assert ticket.modified_on == ctx.occurred_at
    assert ticket.created_on < ticket.modified_on

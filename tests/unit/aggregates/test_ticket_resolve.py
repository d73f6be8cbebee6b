"""Resolve: allowed from any open state; otherwise refused, recording nothing."""

from __future__ import annotations

import pytest

from tests.support.builders import (
    Step,
    assigned,
    closed,
    ctx_for,
    expect,
    given,
    on_hold,
    resolved,
    then_events,
)
from ticketing.aggregates.ticket import Ticket
from ticketing.errors import InvalidTransitionError


@pytest.mark.parametrize("history", [(), (assigned(),), (assigned(), on_hold())])
def test_resolve_records_resolved_from_an_open_state(history: tuple[Step, ...]) -> None:
    ticket = given(*history)

    ticket.resolve(ctx_for(ticket), "fixed", "replaced toner")

    assert then_events(ticket) == [
        expect(Ticket.Resolved, resolution_code="fixed", notes="replaced toner")
    ]
    assert ticket.state == "resolved"


@pytest.mark.parametrize(
    ("history", "state"),
    [((resolved(),), "resolved"), ((resolved(), closed()), "closed")],
)
def test_resolve_is_rejected_when_not_open(
    history: tuple[Step, ...], state: str
) -> None:
    ticket = given(*history)

    with pytest.raises(InvalidTransitionError) as err:
        ticket.resolve(ctx_for(ticket), "again", "")

    assert err.value.code == "invalid_transition"
    assert err.value.details == {
        "ticket": "INC0000001",
        "state": state,
        "command": "resolve",
    }
    assert then_events(ticket) == []

"""Escalate: one level up by default, or to a named higher level; never down."""

from __future__ import annotations

import pytest

from tests.support.builders import ctx_for, expect, given, then_events
from tests.support.steps import escalated
from ticketing.aggregates.ticket import Ticket
from ticketing.errors import NoChangeError


def test_escalate_goes_one_level_up_by_default() -> None:
    ticket = given(escalated())

    ticket.escalate(ctx_for(ticket), None, "still down")

    assert then_events(ticket) == [
        expect(Ticket.Escalated, level=2, reason="still down")
    ]
    assert ticket.escalation_level == 2


def test_escalate_to_a_named_level_may_skip_levels() -> None:
    ticket = given()

    ticket.escalate(ctx_for(ticket), 3, "major incident")

    assert ticket.escalation_level == 3


@pytest.mark.parametrize("level", [1, 2])
def test_escalate_to_the_same_or_a_lower_level_is_no_change(level: int) -> None:
    ticket = given(escalated(2))

    with pytest.raises(NoChangeError) as err:
        ticket.escalate(ctx_for(ticket), level, "again")

    assert "level 2" in err.value.message
    assert then_events(ticket) == []

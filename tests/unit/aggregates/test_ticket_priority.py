"""Change priority: impact x urgency through the matrix, or an override with reason."""

from __future__ import annotations

import pytest

from tests.support.builders import MATRIX, ctx_for, expect, given, then_events
from tests.support.steps import reprioritised
from ticketing.aggregates.drafts import PriorityChange
from ticketing.aggregates.ticket import Ticket
from ticketing.errors import InvalidCommandError, NoChangeError
from ticketing.policies.priority import PriorityMatrix


def test_new_impact_reprioritises_through_the_matrix() -> None:
    ticket = given(impact=2, urgency=2)

    ticket.change_priority(ctx_for(ticket), PriorityChange(matrix=MATRIX, impact=1))

    assert then_events(ticket) == [
        expect(
            Ticket.PriorityChanged,
            impact=1,
            urgency=2,
            priority="P2",
            matrix_version="itil-3x3-v1",
            overridden=False,
            reason=None,
        )
    ]
    assert (ticket.impact, ticket.urgency, ticket.priority) == (1, 2, "P2")


def test_urgency_alone_keeps_the_impact() -> None:
    ticket = given(impact=3, urgency=3)

    ticket.change_priority(ctx_for(ticket), PriorityChange(matrix=MATRIX, urgency=1))

    assert (ticket.impact, ticket.urgency, ticket.priority) == (3, 1, "P3")


def test_override_is_recorded_with_its_reason() -> None:
    ticket = given(impact=3, urgency=3)
    change = PriorityChange(matrix=MATRIX, override="P1", reason="board member")

    ticket.change_priority(ctx_for(ticket), change)

    (event,) = then_events(ticket)
    assert event[1]["priority"] == "P1"
    assert event[1]["overridden"] is True
    assert event[1]["reason"] == "board member"
    assert ticket.priority_overridden is True


def test_back_from_override_to_the_matrix_value_is_a_change() -> None:
    ticket = given(impact=3, urgency=3)
    override = PriorityChange(matrix=MATRIX, override="P5", reason="as computed")
    ticket.change_priority(ctx_for(ticket), override)
    ticket.collect_events()

    ticket.change_priority(ctx_for(ticket), PriorityChange(matrix=MATRIX, impact=3))

    (event,) = then_events(ticket)
    assert (event[1]["priority"], event[1]["overridden"]) == ("P5", False)


@pytest.mark.parametrize("reason", [None, " "])
def test_override_without_a_reason_is_invalid(reason: str | None) -> None:
    with pytest.raises(InvalidCommandError) as err:
        PriorityChange(matrix=MATRIX, override="P1", reason=reason)

    assert set(err.value.details["fields"]) == {"reason"}


def test_same_impact_and_urgency_is_no_change() -> None:
    ticket = given(reprioritised(impact=1), impact=2, urgency=2)

    with pytest.raises(NoChangeError) as err:
        ticket.change_priority(
            ctx_for(ticket), PriorityChange(matrix=MATRIX, impact=1, urgency=2)
        )

    assert err.value.details["command"] == "change_priority"
    assert then_events(ticket) == []


def test_a_newer_matrix_version_is_recorded_when_it_changes_the_priority() -> None:
    cells = tuple(tuple("P1" for _ in range(3)) for _ in range(3))
    all_p1 = PriorityMatrix(version="all-p1-v1", cells=cells)  # type: ignore[arg-type]
    ticket = given(impact=2, urgency=2)

    ticket.change_priority(
        ctx_for(ticket), PriorityChange(matrix=all_p1, impact=2, urgency=1)
    )

    assert (ticket.priority, ticket.matrix_version) == ("P1", "all-p1-v1")

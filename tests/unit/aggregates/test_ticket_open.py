"""Open: the Opened event carries the draft, the matrix priority and provenance."""

from __future__ import annotations

import uuid
from itertools import product

import pytest

from tests.support.builders import AGENT, T0, Timeline, draft, given
from ticketing.aggregates.envelope import Envelope, EventContext
from ticketing.aggregates.ticket import Ticket
from ticketing.errors import InvalidCommandError

EXPECTED_MATRIX = {
    (1, 1): "P1",
    (1, 2): "P2",
    (1, 3): "P3",
    (2, 1): "P2",
    (2, 2): "P3",
    (2, 3): "P4",
    (3, 1): "P3",
    (3, 2): "P4",
    (3, 3): "P5",
}


@pytest.mark.parametrize(("impact", "urgency"), list(product((1, 2, 3), repeat=2)))
def test_open_takes_priority_from_the_matrix(impact: int, urgency: int) -> None:
    ticket = Ticket.open(
        uuid.uuid4(), Timeline().next(), draft(impact=impact, urgency=urgency)
    )

    (opened,) = ticket.collect_events()
    assert isinstance(opened, Ticket.Opened)
    assert opened.priority == EXPECTED_MATRIX[impact, urgency]
    assert opened.matrix_version == "itil-3x3-v1"
    assert opened.priority_override_reason is None
    assert ticket.priority == opened.priority
    assert ticket.priority_overridden is False


def test_open_records_every_field_and_starts_new() -> None:
    ticket_id = uuid.uuid4()
    ctx = Timeline().next()

    ticket = Ticket.open(
        ticket_id,
        ctx,
        draft(category="hardware", service="printing", tags=("b", "a", "b")),
    )

    (opened,) = ticket.collect_events()
    assert isinstance(opened, Ticket.Opened)
    assert opened.originator_id == ticket_id
    assert opened.originator_version == 1
    assert opened.timestamp == ctx.occurred_at
    assert opened.meta == ctx.envelope
    assert (opened.number, opened.type, opened.title) == (
        "INC0000001",
        "incident",
        "Printer on fire",
    )
    assert (opened.category, opened.service) == ("hardware", "printing")
    assert opened.tags == ["a", "b"]
    assert ticket.tags == ("a", "b")
    assert ticket.state == "new"
    assert ticket.version == 1
    assert ticket.opened_at == ctx.occurred_at
    assert (ticket.assignee, ticket.queue, ticket.resolved_at) == (None, None, None)
    assert ticket.links == ()


def test_open_with_override_records_the_reason() -> None:
    ticket = Ticket.open(
        uuid.uuid4(),
        Timeline().next(),
        draft(
            impact=3, urgency=3, priority_override="P1", priority_override_reason="VIP"
        ),
    )

    (opened,) = ticket.collect_events()
    assert isinstance(opened, Ticket.Opened)
    assert (opened.priority, opened.priority_override_reason) == ("P1", "VIP")
    assert ticket.priority_overridden is True


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_open_with_override_but_no_reason_is_refused(reason: str | None) -> None:
    with pytest.raises(InvalidCommandError) as err:
        draft(priority_override="P1", priority_override_reason=reason)

    assert err.value.code == "invalid_command"
    assert set(err.value.details["fields"]) == {"priority_override_reason"}


def test_open_event_carries_the_audit_envelope() -> None:
    envelope = Envelope(
        actor=AGENT,
        command_id="c-1",
        correlation_id="corr-1",
        causation_id="cause-1",
        rule_id="R7",
        rule_set_version="routing-v3",
    )

    ticket = Ticket.open(uuid.uuid4(), EventContext(envelope, T0), draft())

    (opened,) = ticket.collect_events()
    assert opened.meta == envelope  # type: ignore[attr-defined]
    assert given().created_on == given().modified_on

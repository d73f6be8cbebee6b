"""Route, assign, unassign: who works on the ticket, and new -> in_progress."""

from __future__ import annotations

import pytest

from tests.support.builders import (
    assigned,
    ctx_for,
    expect,
    given,
    on_hold,
    resumed,
    routed,
    then_events,
)
from ticketing.aggregates.ticket import Ticket
from ticketing.errors import NoChangeError


def test_route_records_queue_and_group() -> None:
    ticket = given()

    ticket.route(ctx_for(ticket), "network", "l2")

    assert then_events(ticket) == [expect(Ticket.Routed, queue="network", group="l2")]
    assert (ticket.queue, ticket.group, ticket.state) == ("network", "l2", "new")


def test_route_to_the_same_queue_and_group_is_no_change() -> None:
    ticket = given(routed("network", "l2"))

    with pytest.raises(NoChangeError) as err:
        ticket.route(ctx_for(ticket), "network", "l2")

    assert err.value.code == "no_change"
    assert err.value.details == {"ticket": "INC0000001", "command": "route"}
    assert then_events(ticket) == []


def test_route_to_another_group_of_the_same_queue_is_recorded() -> None:
    ticket = given(routed("network", "l1"))

    ticket.route(ctx_for(ticket), "network", "l2")

    assert then_events(ticket) == [expect(Ticket.Routed, queue="network", group="l2")]


def test_assign_moves_a_new_ticket_in_progress() -> None:
    ticket = given(routed())

    ticket.assign(ctx_for(ticket), "zoe", "l2")

    assert then_events(ticket) == [expect(Ticket.Assigned, agent_id="zoe", group="l2")]
    assert (ticket.state, ticket.assignee, ticket.group) == ("in_progress", "zoe", "l2")


def test_assign_without_group_keeps_the_routed_group() -> None:
    ticket = given(routed("network", "l1"))

    ticket.assign(ctx_for(ticket), "zoe", None)

    assert ticket.group == "l1"


def test_reassign_keeps_the_state() -> None:
    ticket = given(assigned("alice"), on_hold())

    ticket.assign(ctx_for(ticket), "zoe", None)

    assert then_events(ticket) == [expect(Ticket.Assigned, agent_id="zoe", group=None)]
    assert (ticket.state, ticket.assignee) == ("on_hold", "zoe")


def test_assign_to_the_same_agent_is_no_change() -> None:
    ticket = given(assigned("alice", "l1"))

    with pytest.raises(NoChangeError):
        ticket.assign(ctx_for(ticket), "alice", None)
    with pytest.raises(NoChangeError):
        ticket.assign(ctx_for(ticket), "alice", "l1")

    assert then_events(ticket) == []


def test_assign_the_same_agent_to_another_group_is_recorded() -> None:
    ticket = given(assigned("alice", "l1"))

    ticket.assign(ctx_for(ticket), "alice", "l2")

    assert then_events(ticket) == [
        expect(Ticket.Assigned, agent_id="alice", group="l2")
    ]


def test_assigned_while_on_hold_from_new_resumes_in_progress() -> None:
    # given a new ticket put on hold before anyone took it
    ticket = given(on_hold(), assigned("zoe"))
    assert ticket.state == "on_hold"

    ticket.resume(ctx_for(ticket), None)

    # an assigned ticket is never "new" again
    assert (ticket.state, ticket.assignee) == ("in_progress", "zoe")


def test_on_hold_from_new_without_assignment_resumes_new() -> None:
    ticket = given(on_hold(), resumed())

    assert (ticket.state, ticket.assignee) == ("new", None)


def test_unassign_records_who_was_unassigned_and_keeps_the_state() -> None:
    ticket = given(assigned("zoe"))

    ticket.unassign(ctx_for(ticket), "shift ended")

    assert then_events(ticket) == [
        expect(Ticket.Unassigned, agent_id="zoe", reason="shift ended")
    ]
    assert (ticket.assignee, ticket.state) == (None, "in_progress")


def test_unassign_when_nobody_is_assigned_is_no_change() -> None:
    ticket = given(assigned("zoe"))
    ticket.unassign(ctx_for(ticket), None)
    ticket.collect_events()

    with pytest.raises(NoChangeError):
        ticket.unassign(ctx_for(ticket), None)

    assert then_events(ticket) == []

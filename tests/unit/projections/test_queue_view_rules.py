"""Queue view counting rules, through the real service on an in-memory store.

A *reassignment* is a Routed that moves an already-routed ticket to another
queue or group, or an Assigned that replaces a different agent (assigning
after an unassign is not one). A *reopen* is a Reopened event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.support.projections import T0, catch_up_all, rows, start_runtime
from tests.support.strategies import Step, run_steps
from ticketing.clock import SettableClock

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ticketing.runtime import Runtime

OPEN = Step(
    "open_ticket",
    {
        "type": "incident",
        "title": "Mail down",
        "impact": 2,
        "urgency": 2,
        "requester_id": "dave",
    },
)


@pytest.fixture
def runtime() -> Iterator[Runtime]:
    rt = start_runtime("sqlite:///:memory:", SettableClock(T0))
    yield rt
    rt.close()


def row_after(runtime: Runtime, *steps: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    clock = runtime.projections.clock
    assert isinstance(clock, SettableClock)
    played = run_steps(
        runtime.service,
        clock,
        [OPEN, *(Step(c, a, ticket=0, minutes=5) for c, a in steps)],
    )
    assert played.refused == 0
    catch_up_all(runtime.projections)
    [row] = rows(runtime.projections, "queue_view")
    return row


def route(queue: str, group: str | None = None) -> tuple[str, dict[str, Any]]:
    return "route_ticket", {"queue": queue, "group": group}


def assign(agent: str) -> tuple[str, dict[str, Any]]:
    return "assign_ticket", {"agent_id": agent}


def test_the_first_routing_and_assignment_are_not_reassignments(
    runtime: Runtime,
) -> None:
    row = row_after(runtime, route("desk"), assign("alice"))

    assert (row["queue"], row["assignee"], row["state"]) == (
        "desk",
        "alice",
        "in_progress",
    )
    assert row["reassignment_count"] == 0


def test_moving_queue_or_group_and_changing_agent_are_reassignments(
    runtime: Runtime,
) -> None:
    row = row_after(
        runtime,
        route("desk"),
        route("network"),
        route("network", "l2"),
        assign("alice"),
        assign("bob"),
    )

    assert row["reassignment_count"] == 3
    assert (row["queue"], row["group_name"], row["assignee"]) == (
        "network",
        "l2",
        "bob",
    )


def test_assigning_after_an_unassign_is_not_a_reassignment(runtime: Runtime) -> None:
    row = row_after(runtime, assign("alice"), ("unassign_ticket", {}), assign("bob"))

    assert row["reassignment_count"] == 0
    assert row["assignee"] == "bob"


def test_each_reopen_counts_and_clears_the_resolution(runtime: Runtime) -> None:
    resolve = ("resolve_ticket", {"resolution_code": "fixed"})
    reopen = ("reopen_ticket", {"reason": "still broken"})

    row = row_after(runtime, assign("alice"), resolve, reopen, resolve, reopen)

    assert row["reopen_count"] == 2
    assert (row["state"], row["resolved_at"]) == ("in_progress", None)


HOLD = ("put_on_hold", {"reason": "awaiting_vendor"})


def test_a_hold_shows_its_reason(runtime: Runtime) -> None:
    row = row_after(runtime, assign("alice"), HOLD)

    assert (row["state"], row["hold_reason"]) == ("on_hold", "awaiting_vendor")


@pytest.mark.parametrize(
    ("before", "state"), [((), "new"), ((assign("al"),), "in_progress")]
)
def test_resuming_restores_the_state_before_the_hold(
    runtime: Runtime, before: tuple[tuple[str, dict[str, Any]], ...], state: str
) -> None:
    row = row_after(runtime, *before, HOLD, ("resume_ticket", {}))

    assert (row["state"], row["hold_reason"]) == (state, None)


def test_escalation_priority_and_closing_are_tracked(runtime: Runtime) -> None:
    row = row_after(
        runtime,
        ("escalate_ticket", {"reason": "VIP", "level": 2}),
        ("change_priority", {"impact": 1, "urgency": 1}),
        ("resolve_ticket", {"resolution_code": "fixed"}),
        ("close_ticket", {}),
    )

    assert (row["escalation_level"], row["priority"]) == (2, "P1")
    assert row["state"] == "closed"
    assert row["closed_at"] is not None
    assert row["version"] == 5

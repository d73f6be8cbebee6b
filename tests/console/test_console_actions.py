"""Console actions beyond the basic ones: route, unassign, escalate, cancel.

Each goes through the same form handling as the others: CSRF token, the
page's version as the expected version, the API's role and scope rules.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.console.conftest import Console

NEW_VERBS = ("route", "unassign", "escalate", "cancel")


def state_of(console: Console, number: str) -> dict[str, Any]:
    ticket: dict[str, Any] = console.api.get(f"/tickets/{number}").json()["state"]
    return ticket


def test_agents_are_offered_the_new_actions(console: Console) -> None:
    number = console.open_ticket()
    console.sign_in("agent")

    page = console.get(f"/console/tickets/{number}").text

    for verb in NEW_VERBS:
        assert f'action="/console/tickets/{number}/actions/{verb}"' in page, verb
    for label in ("Queue", "Why unassign", "Escalation reason", "Why cancel"):
        assert label in page


@pytest.mark.parametrize("role", ["analyst", "auditor"])
def test_read_only_roles_are_offered_none_of_them(console: Console, role: str) -> None:
    number = console.open_ticket()
    console.sign_in(role)

    page = console.get(f"/console/tickets/{number}").text

    assert "/actions/" not in page


def test_route_moves_the_ticket_to_a_queue_and_group(console: Console) -> None:
    number = console.open_ticket()
    console.sign_in("agent")

    response = console.act(number, "route", {"queue": "network", "group": "net"})

    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/console/tickets/{number}?done=route"
    state = state_of(console, number)
    assert (state["queue"], state["group"]) == ("network", "net")


def test_an_agent_may_not_route_out_of_the_group_but_a_supervisor_may(
    console: Console,
) -> None:
    # given a ticket in group net
    number = console.open_ticket()
    console.api.command(number, "route", {"queue": "network", "group": "net"})
    console.sign_in("agent")

    # when an agent routes it to another group, then the API's rule refuses it
    refused = console.act(number, "route", {"queue": "desk", "group": "l1"})
    assert refused.status_code == 403
    assert "needs a supervisor" in refused.text
    assert state_of(console, number)["group"] == "net"

    # and a supervisor may
    console.sign_in("supervisor")
    moved = console.act(number, "route", {"queue": "desk", "group": "l1"})
    assert moved.status_code == 303, moved.text
    assert state_of(console, number)["group"] == "l1"


def test_unassign_clears_the_assignee(console: Console) -> None:
    number = console.open_ticket()
    console.api.command(number, "assign", {"agent_id": "alice"})
    console.sign_in("agent")

    response = console.act(number, "unassign", {"reason": "on leave"})

    assert response.status_code == 303, response.text
    assert state_of(console, number)["assignee"] is None
    events = console.api.get(f"/tickets/{number}/history").json()["events"]
    assert events[-1]["event_type"] == "Unassigned"


def test_escalate_goes_one_level_up_or_to_the_level_chosen(console: Console) -> None:
    number = console.open_ticket()
    console.sign_in("agent")

    one_up = console.act(number, "escalate", {"reason": "customer angry", "level": ""})
    level_after_first = state_of(console, number)["escalation_level"]
    chosen = console.act(number, "escalate", {"reason": "outage", "level": "3"})

    assert one_up.status_code == 303, one_up.text
    assert level_after_first == 1
    assert chosen.status_code == 303, chosen.text
    assert state_of(console, number)["escalation_level"] == 3


def test_escalating_to_a_level_already_reached_is_a_clear_refusal(
    console: Console,
) -> None:
    number = console.open_ticket()
    console.api.command(number, "escalate", {"reason": "r", "level": 2})
    console.sign_in("agent")

    response = console.act(number, "escalate", {"reason": "again", "level": "1"})

    assert response.status_code == 409
    problem = re.search(
        r'<p class="alert error" role="alert" id="problem">([^<]*)', response.text
    )
    assert problem is not None
    assert "already at escalation level 2" in problem.group(1)
    assert state_of(console, number)["escalation_level"] == 2


def test_cancel_makes_the_ticket_final(console: Console) -> None:
    number = console.open_ticket()
    console.sign_in("agent")

    response = console.act(number, "cancel", {"reason": "duplicate of another"})

    assert response.status_code == 303, response.text
    assert state_of(console, number)["state"] == "canceled"


@pytest.mark.parametrize(
    ("verb", "fields", "field"),
    [
        ("route", {"queue": ""}, "queue: is required"),
        ("escalate", {"reason": ""}, "reason: is required"),
        ("escalate", {"reason": "r", "level": "12"}, "level"),
        ("cancel", {"reason": "  "}, "reason: is required"),
    ],
)
def test_bad_input_names_the_field_with_a_422(
    console: Console, verb: str, fields: dict[str, str], field: str
) -> None:
    number = console.open_ticket()
    console.sign_in("agent")

    response = console.act(number, verb, fields)

    assert response.status_code == 422
    assert field in response.text
    assert state_of(console, number)["state"] == "new"


@pytest.mark.parametrize(
    ("verb", "fields"),
    [
        ("route", {"queue": "desk"}),
        ("unassign", {"reason": "stale page"}),
        ("escalate", {"reason": "stale page"}),
        ("cancel", {"reason": "stale page"}),
    ],
)
def test_a_stale_page_is_refused_and_changes_nothing(
    console: Console, verb: str, fields: dict[str, str]
) -> None:
    # given a page loaded while alice was assigned
    number = console.open_ticket()
    console.api.command(number, "assign", {"agent_id": "alice"})
    console.sign_in("agent")
    page = console.get(f"/console/tickets/{number}").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    seen = re.search(r'name="version" value="(\d+)"', page)
    assert csrf is not None
    assert seen is not None
    # and somebody else comments in the meantime
    console.api.command(number, "comments", {"body": "I am on it"}, role="supervisor")
    before = console.api.get(f"/tickets/{number}").json()

    # when the stale page's form is sent
    response = console.api.client.post(
        f"/console/tickets/{number}/actions/{verb}",
        data={"csrf": csrf.group(1), "version": seen.group(1), **fields},
    )

    # then it is refused, says why, and the ticket is as it was
    assert response.status_code == 409
    assert "changed since you loaded it" in response.text
    assert f"you saw version {seen.group(1)}; it is now at version 3" in response.text
    after = console.api.get(f"/tickets/{number}").json()
    assert after["version"] == before["version"] == 3
    assert after["state"] == before["state"]


def test_the_new_actions_need_the_csrf_token(console: Console) -> None:
    number = console.open_ticket()
    console.sign_in("agent")

    response = console.api.client.post(
        f"/console/tickets/{number}/actions/cancel",
        data={"csrf": "forged", "version": "1", "reason": "gone"},
    )

    assert response.status_code == 403
    assert state_of(console, number)["state"] == "new"


def test_a_requester_may_not_cancel_even_their_own_ticket(console: Console) -> None:
    number = console.open_ticket(requester_id="requester")
    console.sign_in("requester")
    page = console.get(f"/console/tickets/{number}").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None

    response = console.api.client.post(
        f"/console/tickets/{number}/actions/cancel",
        data={"csrf": csrf.group(1), "version": "1", "reason": "never mind"},
    )

    assert 'actions/cancel"' not in page
    assert response.status_code == 403
    assert state_of(console, number)["state"] == "new"

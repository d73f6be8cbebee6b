"""The console's new-ticket page: labels, roles, field errors, CSRF, idempotency."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

from tests.console.conftest import CSRF

if TYPE_CHECKING:
    import httpx2 as httpx

    from tests.console.conftest import Console

COMMAND_ID = re.compile(r'name="command_id" value="([^"]+)"')
FIELDS = {
    "type": "incident",
    "title": "Laptop will not boot",
    "description": "Black screen since the update.",
    "impact": "2",
    "urgency": "1",
    "category": "hardware",
    "subcategory": "laptop",
    "service": "workplace",
    "configuration_item": "LT-0042",
    "requester_id": "carol",
}


def submit(console: Console, **fields: Any) -> httpx.Response:
    """Fill in the new-ticket form as rendered for the signed-in user and send it."""
    form = console.get("/console/tickets/new")
    assert form.status_code == 200, form.text
    csrf = CSRF.search(form.text)
    command_id = COMMAND_ID.search(form.text)
    assert csrf is not None
    assert command_id is not None
    data = {"csrf": csrf.group(1), "command_id": command_id.group(1), **fields}
    return console.api.client.post(
        "/console/tickets/new", data=data, follow_redirects=False
    )


def tickets_open(console: Console) -> int:
    """How many tickets are open, read once the queue has every event so far."""
    head = console.api.runtime.projections.source.head()
    listing = console.api.get("/tickets", min_position=head)
    assert listing.status_code == 200, listing.text
    total: int = listing.json()["total"]
    return total


def opened(console: Console, response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    found = re.fullmatch(r"/console/tickets/(\w+)\?done=opened", location)
    assert found is not None, location
    ticket: dict[str, Any] = console.api.get(f"/tickets/{found.group(1)}").json()
    return ticket


def test_the_board_links_to_the_new_ticket_page(console: Console) -> None:
    console.sign_in("agent")

    board = console.board().text

    assert 'href="/console/tickets/new"' in board


def test_the_form_labels_every_field_and_carries_a_csrf_token(
    console: Console,
) -> None:
    console.sign_in("agent")

    page = console.get("/console/tickets/new").text

    for name in ("type", "title", "description", "impact", "urgency", "category"):
        assert f'<label for="f-{name}">' in page, name
        assert f'id="f-{name}"' in page
    for name in ("service", "configuration_item", "requester_id"):
        assert f'<label for="f-{name}">' in page, name
    assert CSRF.search(page) is not None
    assert 'action="/console/tickets/new"' in page


def test_an_agent_opens_a_ticket_with_every_field(console: Console) -> None:
    console.sign_in("agent")

    response = submit(console, **FIELDS)

    ticket = opened(console, response)
    state = ticket["state"]
    for name in ("title", "description", "category", "subcategory", "service"):
        assert state[name] == FIELDS[name], name
    assert state["configuration_item"] == "LT-0042"
    assert (state["impact"], state["urgency"]) == (2, 1)
    assert state["requester_id"] == "carol"
    history = console.api.get(f"/tickets/{ticket['number']}/history").json()
    assert history["events"][0]["actor"] == {
        "id": "agent",
        "role": "agent",
        "kind": "human",
    }


def test_the_opened_ticket_page_confirms_it(console: Console) -> None:
    console.sign_in("agent")
    response = submit(console, **FIELDS)

    page = console.api.client.get(response.headers["location"])

    assert page.status_code == 200
    assert re.search(r"Ticket \w+ opened\.", page.text)
    assert "Laptop will not boot" in page.text


def test_a_requester_opens_for_themselves_without_a_requester_field(
    console: Console,
) -> None:
    console.sign_in("requester")
    form = console.get("/console/tickets/new").text
    fields = {k: v for k, v in FIELDS.items() if k != "requester_id"}

    response = submit(console, **fields)

    assert 'id="f-requester_id"' not in form
    assert "for yourself (requester)" in form
    assert opened(console, response)["state"]["requester_id"] == "requester"


def test_a_requester_cannot_open_for_somebody_else(console: Console) -> None:
    # given a requester who crafts the form with another requester id
    console.sign_in("requester")

    # when it is sent
    response = submit(console, **FIELDS)

    # then the API's scope rule refuses it and nothing is opened
    assert response.status_code == 403
    assert "for themselves only" in response.text
    assert tickets_open(console) == 0


@pytest.mark.parametrize("role", ["analyst", "auditor", "admin"])
def test_roles_that_may_not_open_get_a_403_page(console: Console, role: str) -> None:
    console.sign_in(role)

    form = console.get("/console/tickets/new")
    board = console.get("/console/board")

    assert form.status_code == 403
    assert "may not ticket.open" in form.text
    assert 'href="/console/tickets/new"' not in board.text


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": ""}, "title", "is required"),
        ({"title": "   "}, "title", "is required"),
        ({"title": "x" * 201}, "title", "at most 200 characters"),
        ({"impact": "9"}, "impact", "between 1 and 3"),
        ({"urgency": "soon"}, "urgency", ""),
        ({"type": "bug"}, "type", "&#39;bug&#39; is not one of"),
        ({"requester_id": ""}, "requester_id", "is required"),
        ({"category": "a\tb"}, "category", "control characters"),
    ],
)
def test_bad_input_is_a_422_page_naming_the_field(
    console: Console, changes: dict[str, str], field: str, message: str
) -> None:
    console.sign_in("agent")

    response = submit(console, **{**FIELDS, **changes})

    assert response.status_code == 422
    assert "The ticket was not opened" in response.text
    shown = rf'<p class="field-error" id="err-{field}"><strong>{field}</strong>: '
    error = re.search(shown + r"([^<]*)</p>", response.text)
    assert error is not None, response.text
    assert message in error.group(1)
    assert f'aria-describedby="err-{field}' in response.text
    assert tickets_open(console) == 0


def test_a_refused_form_keeps_what_was_typed(console: Console) -> None:
    console.sign_in("agent")

    response = submit(console, **{**FIELDS, "impact": "9", "title": "Keep <me>"})

    assert response.status_code == 422
    assert 'value="Keep &lt;me&gt;"' in response.text
    assert "Black screen since the update.</textarea>" in response.text
    assert 'value="LT-0042"' in response.text


def test_only_supervisors_may_override_the_priority(console: Console) -> None:
    override = {"priority_override": "P1", "priority_override_reason": "CEO"}
    console.sign_in("agent")
    agent_form = console.get("/console/tickets/new").text
    refused = submit(console, **FIELDS, **override)
    console.sign_in("supervisor")
    supervisor_form = console.get("/console/tickets/new").text
    accepted = submit(console, **FIELDS, **override)

    assert 'id="f-priority_override"' not in agent_form
    assert refused.status_code == 403
    assert 'id="f-priority_override"' in supervisor_form
    assert opened(console, accepted)["state"]["priority"] == "P1"


def test_the_form_is_refused_without_its_csrf_token(console: Console) -> None:
    console.sign_in("agent")

    response = console.api.client.post(
        "/console/tickets/new",
        data={"csrf": "forged", **FIELDS},
        follow_redirects=False,
    )

    assert response.status_code == 403
    assert "CSRF" in response.text
    assert tickets_open(console) == 0


def test_sending_the_same_form_twice_opens_one_ticket(console: Console) -> None:
    # given one rendered form
    console.sign_in("agent")
    form = console.get("/console/tickets/new").text
    csrf, command_id = CSRF.search(form), COMMAND_ID.search(form)
    assert csrf is not None
    assert command_id is not None
    data = {"csrf": csrf.group(1), "command_id": command_id.group(1), **FIELDS}

    # when it is sent twice (a double click)
    first = console.api.client.post(
        "/console/tickets/new", data=data, follow_redirects=False
    )
    second = console.api.client.post(
        "/console/tickets/new", data=data, follow_redirects=False
    )

    # then both answers lead to the same, single ticket
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert tickets_open(console) == 1


def test_a_sent_form_edited_and_sent_again_is_explained_then_accepted(
    console: Console,
) -> None:
    # given a form that opened a ticket
    console.sign_in("agent")
    form = console.get("/console/tickets/new").text
    csrf, command_id = CSRF.search(form), COMMAND_ID.search(form)
    assert csrf is not None
    assert command_id is not None
    data = {"csrf": csrf.group(1), "command_id": command_id.group(1), **FIELDS}
    first = console.api.client.post(
        "/console/tickets/new", data=data, follow_redirects=False
    )
    number = opened(console, first)["number"]

    # when it is sent again with another title (edited after going back)
    again = console.api.client.post(
        "/console/tickets/new",
        data={**data, "title": "Another laptop"},
        follow_redirects=False,
    )

    # then it says the form already opened that ticket, and opens nothing
    assert again.status_code == 409
    assert f"This form was already used to open {number}" in again.text
    assert 'value="Another laptop"' in again.text
    assert tickets_open(console) == 1

    # and the re-rendered form (with a fresh id) opens the second ticket
    fresh = COMMAND_ID.search(again.text)
    assert fresh is not None
    assert fresh.group(1) != command_id.group(1)
    second = console.api.client.post(
        "/console/tickets/new",
        data={**data, "title": "Another laptop", "command_id": fresh.group(1)},
        follow_redirects=False,
    )
    assert opened(console, second)["state"]["title"] == "Another laptop"
    assert tickets_open(console) == 2


def test_without_a_session_the_form_redirects_to_sign_in(console: Console) -> None:
    response = console.get("/console/tickets/new")

    assert response.status_code == 303
    assert response.headers["location"] == "/console/login"

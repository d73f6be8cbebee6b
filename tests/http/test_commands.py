"""Every command route: accepted results, versions and ETags, the recorded actor."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.http.schema_check import assert_conforms
from ticketing.http.commandmap import ALL_COMMAND_ROUTES

if TYPE_CHECKING:
    from tests.http.conftest import Api

LIFECYCLE: list[tuple[str, dict[str, Any]]] = [
    ("route", {"queue": "desk", "group": "service-desk"}),
    ("assign", {"agent_id": "alice"}),
    ("priority", {"impact": 1, "reason": "whole floor"}),
    ("hold", {"reason": "awaiting_caller", "note": "asked for model"}),
    ("resume", {"note": "caller answered"}),
    ("escalate", {"reason": "no toner in stock"}),
    ("comments", {"body": "ordered toner", "visibility": "internal"}),
    ("tag", {"tag": "hardware"}),
    ("untag", {"tag": "hardware"}),
    ("link", {"kind": "duplicate_of", "target_id": "INC0000002"}),
    ("unlink", {"kind": "duplicate_of", "target_id": "INC0000002"}),
    ("unassign", {"reason": "shift ended"}),
    ("resolve", {"resolution_code": "replaced", "notes": "new toner"}),
    ("reopen", {"reason": "smudges"}),
    ("resolve", {"resolution_code": "cleaned"}),
    ("close", {}),
]


def test_every_command_route_is_exercised_here() -> None:
    verbs = {verb for verb, _ in LIFECYCLE} | {"cancel"}
    expected = {r.verb for r in ALL_COMMAND_ROUTES if r.verb}
    assert verbs == expected


def test_open_returns_201_with_location_etag_and_position(api: Api) -> None:
    # when an agent opens a ticket
    response = api.open(title="Printer on fire")

    # then it is created at version 1 with its number and log position
    assert response.status_code == 201
    body = response.json()
    assert_conforms("CommandAccepted", body)
    assert body["number"] == "INC0000001"
    assert body["version"] == 1
    assert body["position"] == 1
    assert body["command"] == "open_ticket"
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == "/tickets/INC0000001"


def test_the_whole_lifecycle_through_every_command_route(api: Api) -> None:
    # given a ticket and a second one to link to
    assert api.open().status_code == 201
    assert api.open(title="Second").status_code == 201

    # when every command is issued in turn, each based on the last ETag
    version = 1
    for verb, body in LIFECYCLE:
        response = api.command(
            "INC0000001", verb, body, role="supervisor", **{"If-Match": f'"{version}"'}
        )

        # then each is accepted and moves the version (and ETag) by one
        assert response.status_code == 200, (verb, response.json())
        assert_conforms("CommandAccepted", response.json())
        version += 1
        assert response.json()["version"] == version
        assert response.headers["etag"] == f'"{version}"'

    state = api.get("/tickets/INC0000001").json()["state"]
    assert state["state"] == "closed"
    assert state["resolution_code"] == "cleaned"


def test_cancel_route(api: Api) -> None:
    api.open()

    response = api.command("INC0000001", "cancel", {"reason": "raised twice"})

    assert response.status_code == 200
    assert api.get("/tickets/INC0000001").json()["state"]["state"] == "canceled"


def test_commands_accept_the_ticket_id_as_well_as_the_number(api: Api) -> None:
    ticket_id = api.open().json()["ticket_id"]

    response = api.command(ticket_id, "escalate", {"reason": "vip"})

    assert response.status_code == 200
    assert response.json()["number"] == "INC0000001"


def test_the_actor_is_the_authenticated_principal(api: Api) -> None:
    # given a ticket opened by the agent token (principal "agent")
    api.open()

    # when a supervisor comments, passing headers that try to name someone else
    api.command(
        "INC0000001",
        "comments",
        {"body": "on it"},
        role="supervisor",
        **{"X-Actor": "mallory", "X-Correlation-Id": "call-42"},
    )

    # then the envelope names each token's principal and role, never the client's
    events = api.get("/tickets/INC0000001/history", role="auditor").json()["events"]
    actors = [(e["actor"]["id"], e["actor"]["role"]) for e in events]
    assert actors == [("agent", "agent"), ("supervisor", "supervisor")]
    assert events[1]["correlation_id"] == "call-42"
    assert {e["actor"]["kind"] for e in events} == {"human"}


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("actor", "mallory", "unknown field"),
        ("command_id", "abc", "set by the Idempotency-Key header"),
        ("expected_version", 1, "set by the If-Match header"),
        ("ticket_id", "x", "set by the URL path"),
        ("author_kind", "agent", "only imports may set it"),
    ],
)
def test_server_decided_fields_cannot_be_sent_in_the_body(
    api: Api, field: str, value: object, reason: str
) -> None:
    api.open()

    response = api.command("INC0000001", "comments", {"body": "x", field: value})

    assert response.status_code == 422
    assert response.json()["error"]["details"]["fields"][field] == reason


def test_open_refuses_an_imported_number_or_id(api: Api) -> None:
    response = api.open(number="INC0000099", ticket_id="a" * 32)

    assert response.status_code == 422
    fields = response.json()["error"]["details"]["fields"]
    assert fields == {
        "number": "only imports may set it",
        "ticket_id": "only imports may set it",
    }


def test_link_target_may_be_a_number_and_must_exist(api: Api) -> None:
    api.open()
    api.open(title="Other")

    linked = api.command(
        "INC0000001", "link", {"kind": "parent", "target_id": "inc0000002"}
    )
    missing = api.command(
        "INC0000001", "link", {"kind": "parent", "target_id": "INC0000077"}
    )

    assert linked.status_code == 200
    assert missing.status_code == 422
    assert "INC0000077" in missing.json()["error"]["details"]["fields"]["target_id"]

"""Role powers that depend on the command or the ticket (scopes.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest

    from tests.http.conftest import Api


def test_a_requester_opens_for_themselves_only(api: Api) -> None:
    own = api.open(role="requester")
    other = api.client.post(
        "/tickets",
        json={
            "type": "incident",
            "title": "x",
            "impact": 3,
            "urgency": 3,
            "requester_id": "someone-else",
        },
        headers=api.headers("requester"),
    )

    assert own.status_code == 201
    assert api.get("/tickets/INC0000001").json()["state"]["requester_id"] == "requester"
    assert other.status_code == 403
    assert other.json()["error"]["details"]["field"] == "requester_id"


def test_a_requester_sees_and_comments_on_own_tickets_only(api: Api) -> None:
    api.open(role="requester")  # INC0000001, theirs
    api.open(requester_id="someone-else")  # INC0000002

    assert api.get("/tickets/INC0000001", role="requester").status_code == 200
    assert api.get("/tickets/INC0000002", role="requester").status_code == 403
    assert api.get("/tickets/INC0000002/comments", role="requester").status_code == 403
    comment = {"body": "any news?"}
    assert (
        api.command("INC0000001", "comments", comment, "requester").status_code == 200
    )
    assert (
        api.command("INC0000002", "comments", comment, "requester").status_code == 403
    )


def test_a_requester_cannot_add_internal_comments(api: Api) -> None:
    api.open(role="requester")

    response = api.command(
        "INC0000001", "comments", {"body": "x", "visibility": "internal"}, "requester"
    )

    assert response.status_code == 403
    assert response.json()["error"]["details"]["field"] == "visibility"


def test_a_requester_cannot_work_tickets(api: Api) -> None:
    api.open(role="requester")

    response = api.command(
        "INC0000001", "resolve", {"resolution_code": "x"}, "requester"
    )

    assert response.status_code == 403
    assert response.json()["error"]["details"]["action"] == "ticket.resolve"


def test_only_supervisors_override_priority(api: Api) -> None:
    api.open()
    override = {"priority_override": "P1", "reason": "CEO's laptop"}

    agent = api.command("INC0000001", "priority", override, "agent")
    supervisor = api.command("INC0000001", "priority", override, "supervisor")
    opened = api.open(priority_override="P1", priority_override_reason="outage")

    assert agent.status_code == 403
    assert supervisor.status_code == 200
    assert api.get("/tickets/INC0000001").json()["state"]["priority"] == "P1"
    assert opened.status_code == 403


def test_agents_may_recompute_priority_from_impact_and_urgency(api: Api) -> None:
    api.open()

    response = api.command("INC0000001", "priority", {"impact": 1, "urgency": 1})

    assert response.status_code == 200
    assert api.get("/tickets/INC0000001").json()["state"]["priority"] == "P1"


def test_moving_a_ticket_between_groups_needs_a_supervisor(api: Api) -> None:
    api.open()
    # routing an ungrouped ticket, and moving queues within the group: agents may
    assert (
        api.command("INC0000001", "route", {"queue": "lan", "group": "net"}).status_code
        == 200
    )
    assert (
        api.command("INC0000001", "route", {"queue": "wan", "group": "net"}).status_code
        == 200
    )
    assert api.command("INC0000001", "assign", {"agent_id": "a1"}).status_code == 200
    assert (
        api.command(
            "INC0000001", "assign", {"agent_id": "a2", "group": "net"}
        ).status_code
        == 200
    )

    # to another group, or out of any group: supervisors only
    for verb, body in [
        ("route", {"queue": "desk", "group": "desk"}),
        ("route", {"queue": "desk"}),
        ("assign", {"agent_id": "a3", "group": "desk"}),
    ]:
        denied = api.command("INC0000001", verb, body, "agent")
        assert denied.status_code == 403, (verb, body)
        assert denied.json()["error"]["details"] == {
            "ticket": "INC0000001",
            "group": "net",
        }
    allowed = api.command(
        "INC0000001", "route", {"queue": "desk", "group": "desk"}, "supervisor"
    )
    assert allowed.status_code == 200


def test_a_group_check_pins_the_version_it_read(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a grouped ticket, and a concurrent move that lands between the
    # agent's group check and the write
    api.open()
    api.command("INC0000001", "route", {"queue": "lan", "group": "net"})
    service = api.runtime.service
    load = service.load

    def load_then_someone_moves_it(ticket_id: Any, version: int | None = None) -> Any:
        ticket = load(ticket_id, version)
        monkeypatch.setattr(service, "load", load)
        api.command(
            "INC0000001", "route", {"queue": "desk", "group": "desk"}, "supervisor"
        )
        return ticket

    monkeypatch.setattr(service, "load", load_then_someone_moves_it)

    # when the agent's within-group move is executed
    response = api.command("INC0000001", "route", {"queue": "wan", "group": "net"})

    # then it is refused as a conflict, not applied to the moved ticket
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "version_conflict"
    state = api.get("/tickets/INC0000001").json()["state"]
    assert (state["queue"], state["group"]) == ("desk", "desk")

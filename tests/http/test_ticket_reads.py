"""Reading one ticket: state with ETag, history, state as of T or v, comments."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tests.http.schema_check import assert_conforms

if TYPE_CHECKING:
    from tests.http.conftest import Api


def test_ticket_state_carries_its_version_as_etag(api: Api) -> None:
    api.open(title="Disk full")
    api.command("INC0000001", "assign", {"agent_id": "bea"})

    response = api.get("/tickets/inc0000001")

    assert response.status_code == 200
    assert response.headers["etag"] == '"2"'
    body = response.json()
    assert_conforms("Ticket", body)
    assert body["version"] == 2
    assert body["state"]["assignee"] == "bea"
    assert body["state"]["state"] == "in_progress"


def test_unknown_ticket_is_404_with_the_reference(api: Api) -> None:
    for ref in ("INC0000404", "0b5e6a50-0000-4000-8000-000000000000", "nonsense"):
        response = api.get(f"/tickets/{ref}")
        assert response.status_code == 404, ref
        assert response.json()["error"]["code"] == "ticket_not_found"


def test_history_lists_every_event_with_envelope_and_changes(api: Api) -> None:
    api.open()
    api.command("INC0000001", "route", {"queue": "network"})

    response = api.get("/tickets/INC0000001/history", role="auditor")

    assert response.status_code == 200
    body = response.json()
    assert_conforms("TicketHistory", body)
    assert [e["event_type"] for e in body["events"]] == ["Opened", "Routed"]
    assert body["events"][1]["changes"]["queue"] == [None, "network"]
    assert body["events"][1]["prev_hash"] == body["events"][0]["hash"]


def test_state_as_of_a_version_and_a_time(api: Api) -> None:
    api.open()
    api.command("INC0000001", "route", {"queue": "network"})
    history = api.get("/tickets/INC0000001/history").json()
    opened_at = history["events"][0]["occurred_at"]

    by_version = api.get("/tickets/INC0000001/state", version=1).json()
    by_time = api.get("/tickets/INC0000001/state", as_of=opened_at).json()
    now = api.get("/tickets/INC0000001/state").json()

    assert_conforms("TicketStateAsOf", by_version)
    assert by_version["state"]["queue"] is None
    assert by_version["as_of_version"] == 1
    assert by_time["state"]["queue"] is None
    assert by_time["version"] == 1
    assert now["state"]["queue"] == "network"


def test_state_before_the_ticket_existed_is_404(api: Api) -> None:
    api.open()
    before = datetime.fromisoformat(
        api.get("/tickets/INC0000001").json()["state"]["opened_at"]
    ) - timedelta(days=1)

    response = api.get("/tickets/INC0000001/state", as_of=before.isoformat())

    assert response.status_code == 404


def test_as_of_needs_a_time_zone_and_excludes_version(api: Api) -> None:
    api.open()

    naive = api.get("/tickets/INC0000001/state", as_of="2026-01-01T10:00:00")
    both = api.get("/tickets/INC0000001/state", as_of="2026-01-01T10:00:00Z", version=1)

    assert naive.status_code == 422
    assert "as_of" in naive.json()["error"]["details"]["fields"]
    assert both.status_code == 422


def test_comments_in_order_internal_ones_for_staff_only(api: Api) -> None:
    api.open()
    api.command("INC0000001", "comments", {"body": "public note"})
    api.command("INC0000001", "comments", {"body": "secret", "visibility": "internal"})
    api.command("INC0000001", "comments", {"body": "thanks"}, role="requester")

    staff = api.get("/tickets/INC0000001/comments").json()
    requester = api.get("/tickets/INC0000001/comments", role="requester").json()

    assert_conforms("CommentList", staff)
    assert [c["body"] for c in staff["comments"]] == ["public note", "secret", "thanks"]
    assert [c["body"] for c in requester["comments"]] == ["public note", "thanks"]
    assert requester["comments"][1]["author_kind"] == "requester"


def test_reads_accept_min_position_up_to_the_head(api: Api) -> None:
    position = api.open().json()["position"]

    ok = api.get("/tickets/INC0000001", min_position=position)
    ahead = api.get("/tickets/INC0000001", min_position=position + 1)

    assert ok.status_code == 200
    assert ahead.status_code == 422
    assert (
        "beyond the log head"
        in ahead.json()["error"]["details"]["fields"]["min_position"]
    )

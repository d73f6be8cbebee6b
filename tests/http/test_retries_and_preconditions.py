"""Idempotency-Key retries, If-Match preconditions and read-your-writes positions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ticketing.store.datastore import read_transaction
from ticketing.store.indexes import commands_table

if TYPE_CHECKING:
    from tests.http.conftest import Api


def _event_count(api: Api) -> int:
    return api.runtime.projections.source.head()


def test_a_retried_open_returns_the_first_response_and_adds_nothing(api: Api) -> None:
    # given an open that was accepted
    key = {"Idempotency-Key": "open-7f3a"}
    body = {
        "type": "incident",
        "title": "VPN down",
        "impact": 1,
        "urgency": 1,
        "requester_id": "r1",
    }
    first = api.client.post("/tickets", json=body, headers=api.headers("agent", **key))
    head = _event_count(api)

    # when the client retries it with the same key and body
    again = api.client.post("/tickets", json=body, headers=api.headers("agent", **key))

    # then it gets the very same response, marked as a replay, and no new event
    assert again.status_code == first.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert again.headers["etag"] == first.headers["etag"]
    assert _event_count(api) == head
    assert first.json()["command_id"] == "open-7f3a"


def test_a_retried_ticket_command_replays_even_after_later_changes(api: Api) -> None:
    api.open()
    key = {"Idempotency-Key": "esc-1", "If-Match": '"1"'}
    first = api.command("INC0000001", "escalate", {"reason": "vip"}, **key)
    api.command("INC0000001", "comments", {"body": "later change"})

    # the retry's If-Match is stale by now, but the command already ran
    again = api.command("INC0000001", "escalate", {"reason": "vip"}, **key)

    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"


def test_the_same_key_with_a_different_body_is_409(api: Api) -> None:
    api.open()
    api.command(
        "INC0000001", "escalate", {"reason": "vip"}, **{"Idempotency-Key": "k1"}
    )
    head = _event_count(api)

    response = api.command(
        "INC0000001", "escalate", {"reason": "other"}, **{"Idempotency-Key": "k1"}
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_conflict"
    assert _event_count(api) == head


def test_the_same_key_from_another_principal_is_409(api: Api) -> None:
    api.open()
    body = {"reason": "vip"}
    api.command("INC0000001", "escalate", body, **{"Idempotency-Key": "k2"})

    response = api.command(
        "INC0000001", "escalate", body, role="supervisor", **{"Idempotency-Key": "k2"}
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_conflict"


def test_a_stale_if_match_is_412_with_both_versions(api: Api) -> None:
    api.open()
    api.command("INC0000001", "escalate", {"reason": "first"})  # now at version 2

    response = api.command(
        "INC0000001", "escalate", {"reason": "second"}, **{"If-Match": '"1"'}
    )

    assert response.status_code == 412
    error = response.json()["error"]
    assert error["code"] == "version_conflict"
    assert error["details"] == {"ticket": "INC0000001", "expected": 1, "actual": 2}
    assert _event_count(api) == 2


def test_if_match_star_and_bare_numbers_are_accepted(api: Api) -> None:
    api.open()

    star = api.command("INC0000001", "tag", {"tag": "a"}, **{"If-Match": "*"})
    bare = api.command("INC0000001", "tag", {"tag": "b"}, **{"If-Match": "2"})

    assert star.status_code == 200
    assert bare.status_code == 200


def test_malformed_if_match_is_400(api: Api) -> None:
    api.open()

    for value in ('W/"1"', '"one"', '"1", "2"', '"0"'):
        response = api.command("INC0000001", "tag", {"tag": "a"}, **{"If-Match": value})
        assert response.status_code == 400, value
        assert response.json()["error"]["details"] == {"header": "If-Match"}


def test_if_match_on_open_is_400(api: Api) -> None:
    response = api.client.post(
        "/tickets",
        json={"type": "incident", "title": "x", "impact": 1, "urgency": 1},
        headers=api.headers("requester", **{"If-Match": '"1"'}),
    )

    assert response.status_code == 400


def test_a_bad_idempotency_key_is_422_named_by_header(api: Api) -> None:
    api.open()

    response = api.command(
        "INC0000001", "tag", {"tag": "a"}, **{"Idempotency-Key": " padded "}
    )

    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["error"]["details"]["fields"]


def test_a_command_position_lets_a_queue_query_read_the_write(api: Api) -> None:
    # given a route whose response names its log position
    api.open()
    position = api.command("INC0000001", "route", {"queue": "network"}).json()[
        "position"
    ]

    # when the queue is listed with that minimum position
    page = api.get("/tickets", queue="network", min_position=position).json()

    # then the view has applied it
    assert page["position"] >= position
    assert [i["number"] for i in page["items"]] == ["INC0000001"]


def test_every_accepted_command_is_recorded_once(api: Api) -> None:
    api.open()
    for _ in range(3):
        api.command("INC0000001", "tag", {"tag": "x"}, **{"Idempotency-Key": "tag-x"})

    with read_transaction(api.runtime.engine) as conn:
        rows = conn.execute(commands_table.select()).all()
    assert sorted(r.command_name for r in rows) == ["open_ticket", "tag_ticket"]

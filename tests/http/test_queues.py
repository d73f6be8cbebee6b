"""Queue views: filters, cursor pages with totals, counts, waiting for a position."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from starlette.testclient import TestClient

from tests.http.conftest import (
    TEST_CONFIG,
    Api,
    issue_tokens,
    make_runtime,
    scratch_dir,
)
from tests.http.schema_check import assert_conforms
from ticketing.http.app import create_app

if TYPE_CHECKING:
    from pathlib import Path


def _seed(api: Api) -> int:
    """Five tickets: three in network (one P1), two in desk; the last position."""
    position = 0
    for i, (queue, impact) in enumerate(
        [("network", 1), ("network", 2), ("network", 3), ("desk", 2), ("desk", 3)]
    ):
        api.open(title=f"t{i}", impact=impact, urgency=impact)
        ref = f"INC000000{i + 1}"
        position = api.command(ref, "route", {"queue": queue}).json()["position"]
    return position


def test_filters_sort_and_paginate_with_a_stable_total(api: Api) -> None:
    position = _seed(api)

    first = api.get("/tickets", queue="network", limit=2, min_position=position)
    assert first.status_code == 200
    page1 = first.json()
    assert_conforms("TicketPage", page1)
    page2 = api.get(
        "/tickets", queue="network", limit=2, cursor=page1["next_cursor"]
    ).json()

    assert page1["total"] == page2["total"] == 3
    numbers = [i["number"] for i in page1["items"] + page2["items"]]
    assert numbers == ["INC0000001", "INC0000002", "INC0000003"]  # P1, P3, P5
    assert page2["next_cursor"] is None


def test_repeated_and_comma_separated_list_filters(api: Api) -> None:
    position = _seed(api)
    api.command("INC0000004", "resolve", {"resolution_code": "fixed"})

    response = api.client.get(
        "/tickets?state=resolved,new&state=in_progress&priority=P3&priority=P5"
        f"&min_position={position + 1}",
        headers=api.headers("agent"),
    )

    assert response.status_code == 200
    assert sorted(i["number"] for i in response.json()["items"]) == [
        "INC0000002",
        "INC0000003",
        "INC0000004",
        "INC0000005",
    ]


def test_counts_per_queue_state_priority(api: Api) -> None:
    position = _seed(api)

    body = api.get("/queues", queue="network", min_position=position).json()

    assert_conforms("QueueCounts", body)
    assert sum(c["count"] for c in body["counts"]) == 3
    assert {c["queue"] for c in body["counts"]} == {"network"}


def test_requesters_only_ever_see_their_own_tickets(api: Api) -> None:
    api.open(requester_id="someone-else")
    position = api.open(role="requester", title="mine").json()["position"]

    mine = api.get("/tickets", role="requester", min_position=position).json()
    other = api.get("/tickets", role="requester", requester_id="someone-else")
    counts = api.get("/queues", role="requester").json()

    assert [i["title"] for i in mine["items"]] == ["mine"]
    assert mine["total"] == 1
    assert other.status_code == 403
    assert sum(c["count"] for c in counts["counts"]) == 1


def test_bad_parameters_are_422_per_field(api: Api) -> None:
    response = api.get(
        "/tickets",
        state="open",
        limit=0,
        sort="random",
        unassigned="maybe",
        cursor="!!!",
        colour="red",
    )

    assert response.status_code == 422
    fields = response.json()["error"]["details"]["fields"]
    assert set(fields) == {"state", "limit", "sort", "unassigned", "colour"}
    assert fields["colour"] == "unknown parameter"


def test_a_malformed_cursor_is_422(api: Api) -> None:
    response = api.get("/tickets", cursor="!!!")

    assert response.status_code == 422
    assert "cursor" in response.json()["error"]["details"]["fields"]


def test_a_position_beyond_the_head_is_422_at_once(api: Api) -> None:
    response = api.get("/tickets", min_position=10)

    assert response.status_code == 422
    assert "min_position" in response.json()["error"]["details"]["fields"]


def test_a_projection_that_does_not_catch_up_in_time_is_503(tmp_path: Path) -> None:
    # given an API worker that does not run projections (as on PostgreSQL)
    with scratch_dir(tmp_path) as where:
        runtime = make_runtime(where)
        tokens = issue_tokens(runtime)
        config = replace(TEST_CONFIG, max_wait_seconds=0.2)
        app = create_app(runtime, run_projections=False, config=config)
        try:
            with TestClient(app) as client:
                api = Api(client, runtime, app, tokens)
                position = api.open().json()["position"]

                # when a query waits for a position no runner will reach
                response = api.get("/tickets", min_position=position)
        finally:
            runtime.close()

    # then it is told to retry, with where the projection is
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "projection_behind"
    assert error["details"] == {
        "request_id": response.headers["x-request-id"],
        "projection": "queue_view",
        "position": 0,
        "min_position": position,
    }
    assert response.headers["retry-after"] == "1"


def test_odd_numbers_in_parameters_are_422_not_500(api: Api) -> None:
    for value in ("--5", "-", "1e3", "٣", "9" * 30, " "):
        response = api.get("/tickets", limit=value)
        assert response.status_code == 422, value

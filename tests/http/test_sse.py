"""Server-sent events: a ticket's or queue's new events; resumable, bounded."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest

from tests.http.conftest import TEST_CONFIG, Api, running_api

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture
def sse_api(tmp_path: Path) -> Iterator[Api]:
    config = replace(TEST_CONFIG, sse_max_seconds=0.6, sse_heartbeat_seconds=0.2)
    with running_api(tmp_path, config) as api:
        yield api


def _frames(text: str) -> list[dict[str, Any]]:
    """Each event frame as {"id": int, "data": {...}}; comments are skipped."""
    frames = []
    for block in text.split("\n\n"):
        fields = dict(
            line.split(": ", 1)
            for line in block.splitlines()
            if line[:1] not in (":", "")
        )
        if "data" in fields:
            frames.append({"id": int(fields["id"]), "data": json.loads(fields["data"])})
    return frames


def _stream(api: Api, role: str = "agent", **params: Any) -> Any:
    return api.client.get("/events/stream", params=params, headers=api.headers(role))


def test_a_ticket_stream_replays_from_a_position_and_only_that_ticket(
    sse_api: Api,
) -> None:
    api = sse_api
    api.open()
    api.open(title="other")
    api.command("INC0000001", "route", {"queue": "network"})

    response = _stream(api, ticket="INC0000001", after=0)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    frames = _frames(response.text)
    assert [f["data"]["event_type"] for f in frames] == ["Opened", "Routed"]
    assert [f["id"] for f in frames] == [1, 3]
    assert frames[1]["data"]["data"] == {"group": None, "queue": "network"}
    assert frames[1]["data"]["actor"] == {
        "id": "agent",
        "role": "agent",
        "kind": "human",
    }


def test_a_live_stream_wakes_up_on_a_new_event(sse_api: Api) -> None:
    api = sse_api
    api.open()
    result: dict[str, Any] = {}

    def listen() -> None:
        result["response"] = _stream(api, ticket="INC0000001")

    listener = threading.Thread(target=listen)
    listener.start()
    time.sleep(0.15)
    api.command("INC0000001", "escalate", {"reason": "vip"})
    listener.join(5)

    frames = _frames(result["response"].text)
    assert [f["data"]["event_type"] for f in frames] == ["Escalated"]


def test_last_event_id_resumes_after_that_position(sse_api: Api) -> None:
    api = sse_api
    api.open()
    api.command("INC0000001", "tag", {"tag": "a"})
    api.command("INC0000001", "tag", {"tag": "b"})

    response = api.client.get(
        "/events/stream",
        params={"ticket": "INC0000001"},
        headers=api.headers("agent", **{"Last-Event-ID": "2"}),
    )

    assert [f["id"] for f in _frames(response.text)] == [3]


def test_an_idle_stream_sends_heartbeats_and_ends(sse_api: Api) -> None:
    started = time.monotonic()

    response = _stream(sse_api, queue="empty")

    assert ": heartbeat" in response.text
    assert _frames(response.text) == []
    assert time.monotonic() - started < 3


def test_a_queue_stream_follows_tickets_in_and_out_of_the_queue(sse_api: Api) -> None:
    api = sse_api
    api.open()
    api.open(title="elsewhere")
    api.command("INC0000001", "route", {"queue": "network"})  # in
    api.command("INC0000001", "comments", {"body": "looking"})  # while in
    api.command("INC0000002", "route", {"queue": "desk"})  # never in
    api.command("INC0000001", "route", {"queue": "desk"})  # out

    frames = _frames(_stream(api, queue="network", after=0).text)

    assert [(f["data"]["event_type"], f["id"]) for f in frames] == [
        ("Routed", 3),
        ("CommentAdded", 4),
        ("Routed", 6),
    ]


def test_requesters_follow_their_own_tickets_without_internal_notes(
    sse_api: Api,
) -> None:
    api = sse_api
    api.open(role="requester")
    api.open(requester_id="someone-else")
    api.command("INC0000001", "comments", {"body": "secret", "visibility": "internal"})
    api.command("INC0000001", "comments", {"body": "we are on it"})
    api.command("INC0000001", "hold", {"reason": "awaiting_vendor", "note": "vendor X"})

    frames = _frames(_stream(api, "requester", ticket="INC0000001", after=0).text)
    others = _stream(api, "requester", ticket="INC0000002")
    queue = _stream(api, "requester", queue="network")

    assert [f["data"]["event_type"] for f in frames] == [
        "Opened",
        "CommentAdded",
        "PutOnHold",
    ]
    assert frames[1]["data"]["data"]["body"] == "we are on it"
    assert frames[2]["data"]["data"] == {}
    assert "secret" not in json.dumps(frames)
    assert others.status_code == 403
    assert queue.status_code == 403


@pytest.mark.parametrize(
    ("params", "headers", "status"),
    [
        ({}, {}, 422),
        ({"ticket": "INC0000001", "queue": "q"}, {}, 422),
        ({"ticket": "INC0000001", "after": 99}, {}, 422),
        ({"ticket": "INC0000099"}, {}, 404),
        ({"ticket": "INC0000001"}, {"Last-Event-ID": "abc"}, 400),
    ],
)
def test_stream_requests_are_validated(
    sse_api: Api, params: dict[str, Any], headers: dict[str, str], status: int
) -> None:
    sse_api.open()

    response = sse_api.client.get(
        "/events/stream", params=params, headers=sse_api.headers("agent", **headers)
    )

    assert response.status_code == status
    assert "error" in response.json()


def test_head_answers_the_stream_headers_without_streaming(sse_api: Api) -> None:
    sse_api.open()
    started = time.monotonic()

    response = sse_api.client.head(
        "/events/stream?ticket=INC0000001", headers=sse_api.headers("agent")
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert time.monotonic() - started < 0.5

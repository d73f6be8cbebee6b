"""The console's event stream (cookie-authenticated SSE) and its fragments."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from tests.console.conftest import Console
from tests.http.conftest import TEST_CONFIG, running_api
from tests.http.test_sse import _frames

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture
def short_streams(tmp_path: Path) -> Iterator[Console]:
    config = replace(TEST_CONFIG, sse_max_seconds=0.6, sse_heartbeat_seconds=0.2)
    with running_api(tmp_path, config) as api:
        yield Console(api)


def test_board_stream_forwards_every_ticket_event_to_an_agent(
    short_streams: Console,
) -> None:
    console = short_streams
    first = console.open_ticket(requester_id="requester")
    console.open_ticket(requester_id="someone-else")
    console.api.command(first, "assign", {"agent_id": "alice"})
    console.sign_in("agent")

    response = console.get("/console/events", after=0)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    types = [f["data"]["event_type"] for f in _frames(response.text)]
    assert types == ["Opened", "Opened", "Assigned"]


def test_board_stream_gives_a_requester_only_their_tickets_redacted(
    short_streams: Console,
) -> None:
    console = short_streams
    mine = console.open_ticket(requester_id="requester")
    theirs = console.open_ticket(requester_id="someone-else")
    console.api.command(theirs, "assign", {"agent_id": "alice"})
    console.api.command(mine, "assign", {"agent_id": "alice"})
    console.sign_in("requester")

    frames = _frames(console.get("/console/events", after=0).text)

    assert [f["data"]["event_type"] for f in frames] == ["Opened", "Assigned"]
    assert all(f["data"]["data"] == {} for f in frames)


def test_ticket_stream_refuses_a_requester_somebody_elses_ticket(
    short_streams: Console,
) -> None:
    console = short_streams
    theirs = console.open_ticket(requester_id="someone-else")
    console.sign_in("requester")

    response = console.get("/console/events", ticket=theirs)

    assert response.status_code == 403


def test_stream_position_beyond_the_head_is_a_clear_422(
    short_streams: Console,
) -> None:
    console = short_streams
    console.sign_in("agent")

    response = console.get("/console/events", after=999)

    assert response.status_code == 422
    assert "beyond the log head" in response.text


def test_fragments_without_a_session_answer_401_not_a_redirect(
    short_streams: Console,
) -> None:
    number = short_streams.open_ticket()

    for path in (
        "/console/events",
        "/console/board/rows",
        f"/console/tickets/{number}/timeline",
        f"/console/tickets/{number}/asof",
    ):
        response = short_streams.get(path)
        assert response.status_code == 401, path
        assert "sign in again" in response.text


def test_timeline_fragment_lists_every_event_newest_first(
    short_streams: Console,
) -> None:
    console = short_streams
    number = console.open_ticket()
    console.api.command(number, "assign", {"agent_id": "alice"})
    console.sign_in("auditor")

    text = console.get(f"/console/tickets/{number}/timeline").text

    assert text.index("v2 Assigned") < text.index("v1 Opened")
    assert 'by <span class="actor">agent</span>' in text


def test_a_reconnecting_stream_resumes_after_its_last_event_id(
    short_streams: Console,
) -> None:
    console = short_streams
    number = console.open_ticket()
    console.api.command(number, "assign", {"agent_id": "alice"})
    console.sign_in("agent")

    response = console.api.client.get(
        "/console/events",
        params={"after": 0},
        headers={"Last-Event-ID": "1"},
    )

    assert [f["data"]["event_type"] for f in _frames(response.text)] == ["Assigned"]

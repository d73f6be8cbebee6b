"""The app on PostgreSQL: in-process runners, read-your-writes, NOTIFY-woken streams."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest
from starlette.testclient import TestClient

from tests.http.conftest import TEST_CONFIG, Api, issue_tokens
from ticketing.http.app import create_app
from ticketing.runtime import build_runtime
from ticketing.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def pg_api(pg_url: str) -> Iterator[Api]:
    runtime = build_runtime(Settings(db_url=pg_url))
    tokens = issue_tokens(runtime)
    config = replace(TEST_CONFIG, sse_max_seconds=1.0, watch_poll_seconds=5.0)
    app = create_app(runtime, run_projections=True, config=config)
    try:
        with TestClient(app) as client:
            yield Api(client, runtime, app, tokens)
    finally:
        runtime.close()


def test_read_your_writes_with_in_process_runners(pg_api: Api) -> None:
    pg_api.open()
    position = pg_api.command("INC0000001", "route", {"queue": "network"}).json()[
        "position"
    ]

    page = pg_api.get("/tickets", queue="network", min_position=position).json()

    assert [i["number"] for i in page["items"]] == ["INC0000001"]


def test_a_stream_wakes_on_notify_not_on_polling(pg_api: Api) -> None:
    # given a stream whose fallback poll (5 s) is longer than the stream (1 s)
    pg_api.open()
    result: dict[str, Any] = {}

    def listen() -> None:
        result["text"] = pg_api.client.get(
            "/events/stream",
            params={"ticket": "INC0000001"},
            headers=pg_api.headers("agent"),
        ).text

    listener = threading.Thread(target=listen)
    listener.start()
    time.sleep(0.2)

    # when a command is appended
    pg_api.command("INC0000001", "escalate", {"reason": "vip"})
    listener.join(10)

    # then the stream delivered it: NOTIFY (or the in-process hook) woke it
    events = [
        json.loads(line.removeprefix("data: "))
        for line in result["text"].splitlines()
        if line.startswith("data: ")
    ]
    assert [e["event_type"] for e in events] == ["Escalated"]

"""Webhooks: enqueued by the processor, delivered with retries, never blocking."""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, ClassVar

import pytest

from tests.support.rules_runtime import (
    activate,
    open_ticket,
    rules_runtime,
    seed_directory,
)
from tests.support.runtime import START
from ticketing.rules.delivery import DeliveryPolicy, WebhookWorker, backoff
from ticketing.rules.webhooks import (
    OutboxSink,
    WebhookRequest,
    attempts_of,
    list_outbox,
)
from ticketing.rules.wiring import RulesRunner
from ticketing.store.datastore import read_transaction

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from ticketing.clock import SettableClock
    from ticketing.runtime import Runtime

pytestmark = pytest.mark.integration


class Hook(BaseHTTPRequestHandler):
    """Fails ``failures`` times (HTTP 503), then answers 204; records requests."""

    failures: ClassVar[int] = 0
    delay: ClassVar[float] = 0.0
    seen: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hook.seen.append({"headers": dict(self.headers), "body": json.loads(body)})
        time.sleep(Hook.delay)
        if Hook.failures > 0:
            Hook.failures -= 1
            self.send_response(503)
        else:
            self.send_response(204)
        self.end_headers()

    def log_message(self, *_: object) -> None:
        """Quiet."""


@pytest.fixture
def server() -> Iterator[str]:
    Hook.failures, Hook.delay, Hook.seen = 0, 0.0, []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/hook"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[Runtime, SettableClock]]:
    rt, clock = rules_runtime(f"sqlite:///{tmp_path / 'hooks.db'}")
    yield rt, clock
    rt.close()


def _request(url: str, ident: str = "d-1") -> WebhookRequest:
    return WebhookRequest(
        id=ident,
        created_at=START,
        ticket_id="t",
        ticket_number="INC0000001",
        trigger="t:1",
        rule_id="R1",
        rule_set_version="v1",
        name="page",
        url=url,
        payload={"hello": "world"},
    )


def _worker(rt: Runtime, clock: SettableClock, **policy: Any) -> WebhookWorker:
    settings = {"base_delay": 2.0, "timeout": 2.0, **policy}
    return WebhookWorker(rt.engine, clock, DeliveryPolicy(**settings), draw=lambda: 0.5)


def test_a_failing_endpoint_is_retried_with_backoff_until_it_succeeds(
    env: tuple[Runtime, SettableClock], server: str
) -> None:
    rt, clock = env
    Hook.failures = 3
    assert OutboxSink(rt.engine).enqueue(_request(server))
    assert not OutboxSink(rt.engine).enqueue(_request(server))  # same id: once
    worker = _worker(rt, clock)

    waits = []
    for _ in range(10):
        done = worker.run_once()
        if done and done[0].outcome == "delivered":
            break
        assert worker.run_once() == []  # not due again before its backoff
        assert done[0].next_at is not None
        waits.append(done[0].next_at - clock.now())
        clock.set(done[0].next_at)

    assert waits == [timedelta(seconds=s) for s in (1.5, 3.0, 6.0)]
    row = list_outbox(rt.engine)[0]
    assert (row.status, row.attempts, row.last_status) == ("delivered", 4, 204)
    with read_transaction(rt.engine) as conn:
        log = attempts_of(conn, row.id)
    assert [a["outcome"] for a in log] == ["retry", "retry", "retry", "delivered"]
    assert [a["status_code"] for a in log] == [503, 503, 503, 204]
    assert {r["headers"]["Idempotency-Key"] for r in Hook.seen} == {"d-1"}
    assert Hook.seen[0]["body"] == {"hello": "world"}


def test_a_delivery_fails_for_good_after_the_last_attempt_and_says_so(
    env: tuple[Runtime, SettableClock],
    server: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    rt, clock = env
    Hook.failures = 99
    OutboxSink(rt.engine).enqueue(_request(server))
    worker = _worker(rt, clock, max_attempts=3)

    with caplog.at_level(logging.WARNING, logger="ticketing.rules.delivery"):
        for _ in range(5):
            for attempt in worker.run_once():
                if attempt.next_at:
                    clock.set(attempt.next_at)

    row = list_outbox(rt.engine, status="failed")[0]
    assert (row.attempts, row.last_error) == (3, "HTTP 503")
    assert row.finished_at is not None
    assert "FAILED after 3 attempts: HTTP 503" in caplog.text
    assert len(Hook.seen) == 3


def test_a_hanging_endpoint_times_out_and_is_retried(
    env: tuple[Runtime, SettableClock], server: str
) -> None:
    rt, clock = env
    Hook.delay = 1.0
    OutboxSink(rt.engine).enqueue(_request(server))
    worker = _worker(rt, clock, timeout=0.2)

    started = time.monotonic()
    (attempt,) = worker.run_once()

    assert time.monotonic() - started < 1.0
    assert attempt.outcome == "pending"
    assert attempt.error is not None
    assert "Timeout" in attempt.error


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    policy = DeliveryPolicy(base_delay=10.0, max_delay=60.0)

    low = [backoff(n, policy, lambda: 0.0) for n in range(1, 6)]
    high = [backoff(n, policy, lambda: 0.999999) for n in range(1, 6)]

    assert low == [5.0, 10.0, 20.0, 30.0, 30.0]
    assert [round(h) for h in high] == [10, 20, 40, 60, 60]


HOOK_RULES = """version = "hooks-1"
queues = ["major-incident"]

[[rule]]
id = "MI-PAGE"
when = 'priority == "P1"'
route = { queue = "major-incident", group = "major-incident-mgmt" }
tag = "major-incident"
webhook = { name = "page", url = "URL" }
"""


def test_the_processor_enqueues_and_never_waits_for_the_endpoint(
    env: tuple[Runtime, SettableClock], server: str
) -> None:
    rt, _ = env
    seed_directory(rt)
    activate(rt, HOOK_RULES.replace("URL", server))
    Hook.failures, Hook.delay = 99, 5.0  # down and slow
    rules = RulesRunner(rt, threading.Event())
    rules.run_once(warm=False)
    ticket_id = open_ticket(rt, impact=1, urgency=1, title="Core switch down")

    started = time.monotonic()
    rules.run_once(warm=True)
    rules.run_once(warm=True)  # re-processing: still one delivery

    assert time.monotonic() - started < 2.0
    assert Hook.seen == []
    t = rt.service.load(ticket_id)
    assert (t.queue, t.tags) == ("major-incident", ("major-incident",))
    (row,) = list_outbox(rt.engine)
    assert (row.rule_id, row.status, row.ticket_number) == (
        "MI-PAGE",
        "pending",
        t.number,
    )
    payload = json.loads(row.payload)
    assert payload["ticket"]["number"] == t.number
    assert payload["trigger"]["origin"] == f"{ticket_id}:1"
    assert payload["rule_set_version"] == "hooks-1"


def test_the_delivery_thread_delivers_and_stops_on_request(
    env: tuple[Runtime, SettableClock], server: str
) -> None:
    rt, clock = env
    OutboxSink(rt.engine).enqueue(_request(server))
    worker = _worker(rt, clock)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop, 0.05))

    thread.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not list_outbox(rt.engine, "delivered"):
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=10)

    assert not thread.is_alive()
    assert [r.status for r in list_outbox(rt.engine)] == ["delivered"]

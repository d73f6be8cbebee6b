"""A real server (``ticketing serve``, 2 uvicorn workers) on loopback, raced by clients.

Concurrent clients issue conflicting commands based on the same version:
exactly one wins each round, every loser gets 412 (If-Match) or 409, retries
replay without new events, and every accepted command's events are in the
log exactly once. Bounded: a few dozen requests, every wait has a timeout.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.support.serving import free_port, wait_until_healthy
from ticketing.http.tokens import TokenStore
from ticketing.runtime import build_runtime
from ticketing.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Iterator

CLIENTS = 6
ROUNDS = 4
STARTUP_SECONDS = 30.0

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _tokens(db_url: str) -> dict[str, str]:
    runtime = build_runtime(Settings(db_url=db_url))
    try:
        store = TokenStore(runtime.engine)
        store.ensure_schema()
        now = runtime.clock.now()
        return {r: store.create(f"{r}-1", r, now)[1] for r in ("agent", "auditor")}
    finally:
        runtime.close()


@pytest.fixture
def server(db_url: str) -> Iterator[tuple[str, dict[str, str]]]:
    tokens = _tokens(db_url)
    port = free_port()
    script = Path(sys.executable).with_name("ticketing")
    env = {**os.environ, "TICKETING_DB_URL": db_url}
    command = [str(script), "serve", "--port", str(port), "--workers", "2"]
    command += ["--log-level", "warning"]
    proc = subprocess.Popen(command, env=env, start_new_session=True)  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(proc, base, STARTUP_SECONDS)
        yield base, tokens
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def _race_round(base: str, token: str, ref: str, version: int) -> list[httpx.Response]:
    """CLIENTS clients send a change based on ``version`` at the same moment."""
    barrier = threading.Barrier(CLIENTS)
    results: list[httpx.Response] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        headers = {
            "Authorization": f"Bearer {token}",
            "If-Match": f'"{version}"',
            "Idempotency-Key": f"race-{version}-{i}",
        }
        body = {"body": f"client {i} saw version {version}"}
        with httpx.Client(base_url=base, timeout=30) as http:
            barrier.wait(10)
            response = http.post(f"/tickets/{ref}/comments", json=body, headers=headers)
            if response.status_code == 200:  # a retry of a success replays it
                again = http.post(
                    f"/tickets/{ref}/comments", json=body, headers=headers
                )
                assert again.json() == response.json()
                assert again.headers["idempotent-replayed"] == "true"
        with lock:
            results.append(response)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == CLIENTS
    return results


def _tags_without_if_match(
    base: str, token: str, ref: str
) -> list[tuple[str, httpx.Response]]:
    """CLIENTS clients add different tags at once, none of them conditional."""
    barrier = threading.Barrier(CLIENTS)
    results: list[tuple[str, httpx.Response]] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, timeout=30) as http:
            barrier.wait(10)
            response = http.post(
                f"/tickets/{ref}/tag", json={"tag": f"t{i}"}, headers=headers
            )
        with lock:
            results.append((f"t{i}", response))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == CLIENTS
    return results


def test_concurrent_conflicting_commands_lose_nothing_and_duplicate_nothing(
    server: tuple[str, dict[str, str]],
) -> None:
    base, tokens = server
    agent = {"Authorization": f"Bearer {tokens['agent']}"}
    opened = httpx.post(
        f"{base}/tickets",
        json={
            "type": "incident",
            "title": "race",
            "impact": 2,
            "urgency": 2,
            "requester_id": "r",
        },
        headers={**agent, "Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )
    assert opened.status_code == 201
    ref = opened.json()["number"]
    accepted: list[dict[str, Any]] = [opened.json()]

    # conditional changes: one winner per version, every loser 412
    version = 1
    for _ in range(ROUNDS):
        results = _race_round(base, tokens["agent"], ref, version)
        statuses = Counter(r.status_code for r in results)
        assert statuses == {200: 1, 412: CLIENTS - 1}, statuses
        winner = next(r for r in results if r.status_code == 200)
        accepted.append(winner.json())
        version += 1
        assert winner.json()["version"] == version

    # unconditional changes: each either applies on top of the others or is 409
    tag_results = _tags_without_if_match(base, tokens["agent"], ref)
    assert {r.status_code for _, r in tag_results} <= {200, 409}
    applied = {tag for tag, r in tag_results if r.status_code == 200}
    assert applied
    accepted += [r.json() for _, r in tag_results if r.status_code == 200]

    # the log holds exactly the accepted commands' events, once each
    history = httpx.get(
        f"{base}/tickets/{ref}/history",
        headers={"Authorization": f"Bearer {tokens['auditor']}"},
        timeout=30,
    ).json()
    events = history["events"]
    per_command = Counter(e["command_id"] for e in events)
    assert per_command == {a["command_id"]: a["events"] for a in accepted}
    assert sorted(e["position"] for e in events) == sorted(
        a["position"] for a in accepted
    )
    assert [e["version"] for e in events] == list(range(1, len(events) + 1))
    assert set(history["state"]["tags"]) == applied  # no lost update
    assert {e["actor"]["id"] for e in events} == {"agent-1"}

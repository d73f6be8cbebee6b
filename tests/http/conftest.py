"""Fixtures for HTTP tests: a SQLite-backed app per test, tokens for every role."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from starlette.testclient import TestClient

from ticketing.http.app import create_app
from ticketing.http.auth import ROLES
from ticketing.http.config import HttpConfig
from ticketing.http.tokens import TokenStore
from ticketing.runtime import build_runtime
from ticketing.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Iterator

    import httpx2 as httpx
    from starlette.applications import Starlette

    from ticketing.clock import SettableClock
    from ticketing.runtime import Runtime

#: Short bounds so that tests of waiting and streaming stay fast.
TEST_CONFIG = HttpConfig(
    max_body_bytes=64 * 1024,
    max_wait_seconds=2.0,
    sse_heartbeat_seconds=0.2,
    sse_max_seconds=1.0,
    watch_poll_seconds=0.2,
)


@dataclass
class Api:
    """A running app with a client and one token per role (principal = role name)."""

    client: TestClient
    runtime: Runtime
    app: Starlette
    tokens: dict[str, str]

    def headers(self, role: str | None, **extra: str) -> dict[str, str]:
        base = {} if role is None else {"Authorization": f"Bearer {self.tokens[role]}"}
        return {**base, **extra}

    def open(self, role: str = "agent", **fields: Any) -> httpx.Response:
        body: dict[str, Any] = {
            "type": "incident",
            "title": "Printer on fire",
            "impact": 2,
            "urgency": 2,
            "requester_id": "requester",
        }
        body.update(fields)
        if role == "requester":
            body.pop("requester_id", None)
        return self.client.post("/tickets", json=body, headers=self.headers(role))

    def command(
        self,
        ref: str,
        verb: str,
        body: dict[str, Any] | None = None,
        role: str = "agent",
        **headers: str,
    ) -> httpx.Response:
        return self.client.post(
            f"/tickets/{ref}/{verb}",
            json=body or {},
            headers=self.headers(role, **headers),
        )

    def get(
        self, path: str, role: str | None = "agent", **params: Any
    ) -> httpx.Response:
        return self.client.get(path, params=params, headers=self.headers(role))


@contextmanager
def scratch_dir(fallback: Path) -> Iterator[Path]:
    """A directory for a test database: RAM-backed when the host has /dev/shm.

    The HTTP layer's tests are about HTTP, not durability; fsync on a shared
    disk made them several times slower. tests/integration uses real files.
    """
    shm = Path("/dev/shm")  # noqa: S108 - a private mkdtemp below it
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield fallback
        return
    path = Path(tempfile.mkdtemp(prefix="ticketing-http-", dir=shm))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def make_runtime(directory: Path, clock: SettableClock | None = None) -> Runtime:
    """A runtime on a fresh SQLite file; with ``clock``, time is the test's."""
    settings = Settings(db_url=f"sqlite:///{directory / 'api.db'}")
    if clock is None:
        return build_runtime(settings)
    runtime = build_runtime(settings, clock)
    runtime.recorder.wall_clock = clock  # recorded_at follows the test clock
    return runtime


def issue_tokens(runtime: Runtime) -> dict[str, str]:
    store = TokenStore(runtime.engine)
    store.ensure_schema()
    now = runtime.clock.now()
    return {role: store.create(role, role, now)[1] for role in ROLES}


@contextmanager
def running_api(
    directory: Path,
    config: HttpConfig = TEST_CONFIG,
    clock: SettableClock | None = None,
) -> Iterator[Api]:
    """An app with projection runners over a fresh database, and its client."""
    with scratch_dir(directory) as where:
        runtime = make_runtime(where, clock)
        tokens = issue_tokens(runtime)
        app = create_app(runtime, run_projections=True, config=config)
        try:
            with TestClient(app) as client:
                yield Api(client, runtime, app, tokens)
        finally:
            runtime.close()


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with running_api(tmp_path) as running:
        yield running

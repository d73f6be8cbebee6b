"""Fixtures for console tests: the API app with a signed-in browser-like client."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from tests.http.conftest import running_api
from ticketing.queries.status import projection_status

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    import httpx2 as httpx

    from tests.http.conftest import Api

NONCE = re.compile(r'name="nonce" value="([^"]+)"')
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Console:
    """The API (with a token per role) and helpers that act like a browser."""

    api: Api

    def sign_in(self, role: str) -> httpx.Response:
        client = self.api.client
        client.cookies.clear()
        form = client.get("/console/login")
        nonce = NONCE.search(form.text)
        assert nonce is not None
        return client.post(
            "/console/login",
            data={"nonce": nonce.group(1), "token": self.api.tokens[role]},
            follow_redirects=False,
        )

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.api.client.get(path, params=params, follow_redirects=False)

    def board(self, **params: Any) -> httpx.Response:
        """The board once its projection has every event written so far."""
        head = self.api.runtime.projections.source.head()
        return self.get("/console/board", min_position=head, **params)

    def csrf(self, path: str) -> str:
        found = CSRF.search(self.get(path).text)
        assert found is not None
        return found.group(1)

    def act(
        self, number: str, verb: str, fields: dict[str, Any], **extra: str
    ) -> httpx.Response:
        """Submit a ticket action form as the page for ``number`` would."""
        page = self.get(f"/console/tickets/{number}").text
        csrf = CSRF.search(page)
        version = re.search(r'name="version" value="(\d+)"', page)
        assert csrf is not None
        assert version is not None
        data = {"csrf": csrf.group(1), "version": version.group(1), **fields}
        data.update(extra)
        return self.api.client.post(
            f"/console/tickets/{number}/actions/{verb}",
            data=data,
            follow_redirects=False,
        )

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until every active projection has applied the whole log.

        The runners work in the background; a test that pages through a sort
        on SLA due times must not watch clocks appear between two pages.
        """
        host = self.api.runtime.projections
        deadline = time.monotonic() + timeout
        while True:
            head = host.source.head()
            statuses = projection_status(host, host.clock.now())
            active = [s for s in statuses if s.status == "active"]
            if active and all(s.checkpoint == head for s in active):
                return
            assert time.monotonic() < deadline, f"projections behind {head}: {active}"
            time.sleep(0.02)

    def open_ticket(self, **fields: Any) -> str:
        response = self.api.open(**fields)
        assert response.status_code == 201, response.text
        number: str = response.json()["number"]
        return number


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Console]:
    with running_api(tmp_path) as api:
        yield Console(api)

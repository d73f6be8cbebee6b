"""The SLA dashboard says how fresh its figures are: as of which event, how far behind.

The SLA projection is kept up by background runners; here the runners are
off, so the test decides how far the projection has got.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from starlette.testclient import TestClient

from tests.console.conftest import Console
from tests.http.conftest import Api, issue_tokens, make_runtime, scratch_dir
from ticketing.http.app import create_app
from ticketing.sla.reading import refresh

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

FRESHNESS = re.compile(r'<p id="sla-freshness"[^>]*>(.*?)</p>', re.S)


@pytest.fixture
def still(tmp_path: Path) -> Iterator[Console]:
    """A console whose projections move only when the test refreshes them."""
    with scratch_dir(tmp_path) as where:
        runtime = make_runtime(where)
        tokens = issue_tokens(runtime)
        app = create_app(runtime, run_projections=False)
        try:
            with TestClient(app) as client:
                yield Console(Api(client, runtime, app, tokens))
        finally:
            runtime.close()


def freshness(console: Console) -> tuple[str, str]:
    page = console.get("/console/sla")
    assert page.status_code == 200, page.text
    found = FRESHNESS.search(page.text)
    assert found is not None, page.text
    text = re.sub(r"<[^>]+>", "", found.group(1))
    return " ".join(text.split()), found.group(0)


def test_caught_up_figures_say_so(still: Console) -> None:
    # given a projection that has every event
    still.open_ticket()
    refresh(still.api.runtime.projections)
    head = still.api.runtime.projections.source.head()
    still.sign_in("analyst")

    text, _ = freshness(still)

    assert f"Figures as of log event {head} (recorded " in text
    assert "up to date with the log" in text
    assert "behind" not in text


def test_figures_behind_the_log_say_by_how_many_events(still: Console) -> None:
    # given a projection refreshed after the first ticket, then three more events
    number = still.open_ticket()
    refresh(still.api.runtime.projections)
    counted = still.api.runtime.projections.source.head()
    still.api.command(number, "assign", {"agent_id": "alice"})
    still.api.command(number, "comments", {"body": "looking"})
    still.open_ticket()
    head = still.api.runtime.projections.source.head()
    still.sign_in("analyst")

    # when the dashboard is read
    text, _ = freshness(still)

    # then it names the event its figures are as of and the gap to the head
    assert head - counted == 3
    assert f"Figures as of log event {counted}" in text
    assert f"3 events behind the log (now at {head})" in text
    assert re.search(r"the oldest not yet counted was recorded \d+s ago", text)


def test_long_behind_is_a_warning(
    still: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    still.open_ticket()
    monkeypatch.setattr("ticketing.console.dashboard.STALE_AFTER_SECONDS", -1.0)
    still.sign_in("analyst")

    text, element = freshness(still)

    assert 'class="alert warn"' in element
    assert "ticketing projections status" in text

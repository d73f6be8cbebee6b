"""history --json shows, per event, whether its chain hash still verifies."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.support.runtime import AGENT_CTX, sqlite_runtime
from tests.support.tamper import delete_event, edit_state_byte
from ticketing.commands import messages as m
from ticketing.queries.history import get_history

if TYPE_CHECKING:
    from pathlib import Path

    from ticketing.runtime import Runtime

pytestmark = pytest.mark.integration


def _two_tickets(runtime: Runtime) -> None:
    for title in ("first", "second"):
        cmd = m.OpenTicket(
            type="incident", title=title, impact=2, urgency=2, requester_id="r"
        )
        result = runtime.service.execute(cmd, AGENT_CTX)
        runtime.service.execute(
            m.RouteTicket(ticket_id=result.aggregate_id, queue="desk"), AGENT_CTX
        )


def _statuses(runtime: Runtime, ref: str) -> list[dict[str, str]]:
    history = get_history(runtime.service, runtime.projections.source, ref)
    return [event["chain"] for event in history.as_json()["events"]]


def test_an_intact_log_verifies_every_event(tmp_path: Path) -> None:
    runtime, _ = sqlite_runtime(tmp_path)
    _two_tickets(runtime)

    statuses = _statuses(runtime, "INC0000001")

    assert statuses == [
        {"status": "verified", "content": "ok", "link": "genesis"},
        {"status": "verified", "content": "ok", "link": "ok"},
    ]
    runtime.close()


def test_an_edited_payload_shows_as_tampered(tmp_path: Path) -> None:
    runtime, _ = sqlite_runtime(tmp_path)
    _two_tickets(runtime)
    url = runtime.settings.db_url

    edit_state_byte(url, 4)  # the second ticket's Routed event

    statuses = _statuses(runtime, "INC0000002")
    assert statuses[1] == {"status": "tampered", "content": "mismatch", "link": "ok"}
    assert statuses[0]["status"] == "verified"
    runtime.close()


def test_a_deleted_predecessor_breaks_the_link(tmp_path: Path) -> None:
    runtime, _ = sqlite_runtime(tmp_path)
    _two_tickets(runtime)

    delete_event(runtime.settings.db_url, 2)  # the first ticket's Routed event

    statuses = _statuses(runtime, "INC0000002")
    assert statuses[0] == {"status": "tampered", "content": "ok", "link": "broken"}
    runtime.close()

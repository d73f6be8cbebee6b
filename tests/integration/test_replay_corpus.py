"""Golden replays: each recorded history gives its checked-in queue view and audit
trail, on SQLite and PostgreSQL; the log-based history agrees with the audit trail.

After an intended change, rewrite the expected files with
``python -m tests.support.corpus`` and review the diff.
"""

from __future__ import annotations

import json

import pytest

from tests.support.corpus import expected, histories, replay
from ticketing.projections.verify import verify_projection
from ticketing.queries.history import get_history

pytestmark = pytest.mark.integration


def test_the_corpus_is_not_empty() -> None:
    assert len(histories()) >= 3


@pytest.mark.parametrize("name", histories())
def test_a_recorded_history_replays_to_its_expected_views(
    db_url: str, name: str
) -> None:
    runtime, produced = replay(db_url, name)
    try:
        assert produced["queue_view"] == expected(name, "queue_view")
        assert produced["audit_trail"] == expected(name, "audit_trail")

        host = runtime.projections
        for projection in host.projections.values():
            assert verify_projection(host, projection).matches
        by_ticket: dict[str, list[dict[str, object]]] = {}
        for entry in produced["audit_trail"]:
            by_ticket.setdefault(str(entry["ticket_id"]), []).append(entry)
        for ticket_id, entries in by_ticket.items():
            history = get_history(runtime.service, host.source, ticket_id)
            assert [
                (e.position, e.event_type, e.changes, e.data) for e in history.entries
            ] == [
                (a["position"], a["event_type"], a["changes"], a["data"])
                for a in entries
            ]
            assert json.dumps(history.as_json(), default=str)
    finally:
        runtime.close()

"""A ticket's history costs a fixed number of SQL statements, however long it is.

The per-event chain status used to cost one ``hash_before`` query (and one
transaction) per event; it now comes with the events in one statement. The
statements are counted with SQLAlchemy's ``before_cursor_execute`` event: a
count, not a timing, so the test is deterministic on any machine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import event

from tests.support.runtime import AGENT_CTX
from ticketing.commands import messages as m
from ticketing.queries.history import get_history

if TYPE_CHECKING:
    from uuid import UUID

    from ticketing.runtime import Runtime

pytestmark = pytest.mark.integration


def _ticket_with_comments(runtime: Runtime, comments: int) -> UUID:
    opened = runtime.service.execute(
        m.OpenTicket(type="incident", title="t", impact=2, urgency=2, requester_id="r"),
        AGENT_CTX,
    )
    for i in range(comments):
        runtime.service.execute(
            m.AddComment(ticket_id=opened.aggregate_id, body=f"note {i}"), AGENT_CTX
        )
    return opened.aggregate_id


def _statements_for_history(runtime: Runtime, ticket: UUID) -> tuple[int, int]:
    """(statements executed, events shown) for one history call."""
    engine = runtime.engine
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        history = get_history(runtime.service, runtime.projections.source, str(ticket))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements), len(history.as_json()["events"])


def test_history_statements_do_not_grow_with_the_event_count(
    runtime: Runtime,
) -> None:
    # given a short ticket and a long one
    short = _ticket_with_comments(runtime, 1)
    long = _ticket_with_comments(runtime, 30)

    # when each history is read
    short_statements, short_events = _statements_for_history(runtime, short)
    long_statements, long_events = _statements_for_history(runtime, long)

    # then both cost the same statements, and every event still carries its status
    assert (short_events, long_events) == (2, 31)
    assert long_statements == short_statements


def test_as_of_history_costs_the_same_statements(runtime: Runtime) -> None:
    # given a long ticket
    ticket = _ticket_with_comments(runtime, 20)
    full, _ = _statements_for_history(runtime, ticket)

    # when it is read as of its fifth version
    engine = runtime.engine
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        history = get_history(
            runtime.service, runtime.projections.source, str(ticket), version=5
        )
    finally:
        event.remove(engine, "before_cursor_execute", count)

    # then it shows five verified events for no more statements than the full one
    chain = [e["chain"]["status"] for e in history.as_json()["events"]]
    assert chain == ["verified"] * 5
    assert len(statements) == full

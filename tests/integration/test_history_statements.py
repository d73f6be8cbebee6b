"""A ticket's history costs a fixed number of SQL statements, however long it is.

The per-event chain status used to cost one ``hash_before`` query (and one
transaction) per event; it now comes with the events in one statement. The
statements are counted with SQLAlchemy's ``before_cursor_execute`` event: a
count, not a timing, so the test is deterministic on any machine.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import event

from tests.support.runtime import ADMIN_CTX, AGENT_CTX
from ticketing.commands import admin_messages as a
from ticketing.commands import messages as m
from ticketing.errors import TicketNotFoundError
from ticketing.queries.history import get_history

if TYPE_CHECKING:
    from ticketing.runtime import Runtime

pytestmark = pytest.mark.integration


def _ticket_with_comments(runtime: Runtime, comments: int) -> uuid.UUID:
    opened = runtime.service.execute(
        m.OpenTicket(type="incident", title="t", impact=2, urgency=2, requester_id="r"),
        AGENT_CTX,
    )
    for i in range(comments):
        runtime.service.execute(
            m.AddComment(ticket_id=opened.aggregate_id, body=f"note {i}"), AGENT_CTX
        )
    return opened.aggregate_id


def _statements_for_history(runtime: Runtime, ticket: uuid.UUID) -> tuple[int, int]:
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


def test_an_unknown_id_or_another_aggregate_is_no_such_ticket(
    runtime: Runtime,
) -> None:
    # given a log holding a group (an aggregate, but not a ticket)
    group = runtime.service.execute(
        a.CreateGroup(group_id="l1", display_name="L1"), ADMIN_CTX
    ).aggregate_id
    assert group is not None
    assert runtime.recorder.select_aggregate_records(group)

    # when the history of an unknown id, or of the group, is asked for
    # then both answer "no ticket", as before the lookup skipped loading
    for ref in (str(uuid.uuid4()), str(group)):
        with pytest.raises(TicketNotFoundError, match="no ticket"):
            get_history(runtime.service, runtime.projections.source, ref)

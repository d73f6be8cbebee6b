"""The queue view's indexes: created on older generations, used by the default list.

An index changes how fast a generation is read, not what it holds, so it is
added to an existing generation when a host ensures it (no rebuild, no code
version bump). The plan check replays the exact statements ``list_queue``
runs through ``EXPLAIN QUERY PLAN`` (SQLite): deterministic, unlike a timing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import event, inspect

from tests.support.projections import catch_up_all, start_runtime
from tests.support.runtime import AGENT_CTX
from ticketing.commands import messages as m
from ticketing.queries.queues import QueueFilter, list_queue
from ticketing.store.datastore import read_transaction

if TYPE_CHECKING:
    from ticketing.clock import SettableClock
    from ticketing.runtime import Runtime

pytestmark = pytest.mark.integration

NEW_INDEXES = ("state_priority_ix", "queue_priority_ix")


def _index_names(runtime: Runtime, table: str) -> set[str]:
    return {str(i["name"]) for i in inspect(runtime.engine).get_indexes(table)}


def _open_tickets(runtime: Runtime, count: int) -> None:
    for i in range(count):
        runtime.service.execute(
            m.OpenTicket(
                type="incident",
                title=f"t{i}",
                impact=1 + i % 3,
                urgency=2,
                requester_id="r",
            ),
            AGENT_CTX,
        )


def test_a_generation_built_without_the_indexes_gets_them(
    db_url: str, clock: SettableClock
) -> None:
    # given a queue view generation whose new indexes are missing (built before)
    first = start_runtime(db_url, clock)
    projection = first.projections.select(["queue_view"])[0]
    gen = first.projections.ensure_active(projection)
    table = projection.tables(gen.table_prefix).tickets
    with first.engine.begin() as conn:
        for index in table.indexes:
            if index.name and str(index.name).endswith(NEW_INDEXES):
                index.drop(conn)
    assert not any(n.endswith(NEW_INDEXES) for n in _index_names(first, table.name))
    first.close()

    # when a new host (a restarted runner or server) ensures the projection
    second = start_runtime(db_url, clock)
    try:
        again = second.projections.ensure_active(projection)

        # then the same generation now has every declared index
        assert again.generation == gen.generation
        names = _index_names(second, table.name)
        assert {str(i.name) for i in table.indexes} <= names
    finally:
        second.close()


def _plans_of_default_list(runtime: Runtime) -> list[str]:
    """SQLite's plan of every statement ``list_queue`` runs for the default list."""
    host = runtime.projections
    projection = host.select(["queue_view"])[0]
    host.ensure_active(projection)
    statements: list[tuple[str, Any]] = []

    def capture(*args: Any) -> None:
        statements.append((args[2], args[3]))

    with read_transaction(runtime.engine) as conn:
        view = host.active_view(conn, "queue_view")
        t = view.tables.tickets
        event.listen(conn, "before_cursor_execute", capture)
        try:
            list_queue(conn, t, 0, QueueFilter(), limit=2)
        finally:
            event.remove(conn, "before_cursor_execute", capture)
        plans = []
        for sql, params in statements:
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all()
            plans.append(" | ".join(str(r[-1]) for r in rows))
    return plans


def test_the_default_list_reads_indexes_and_sorts_nothing(
    sqlite_runtime: Runtime,
) -> None:
    # given some open tickets
    _open_tickets(sqlite_runtime, 5)

    # when the default list (open tickets by priority) is planned
    count_plan, page_plan = _plans_of_default_list(sqlite_runtime)

    # then the total is counted from an index alone, and the page reads each
    # open state from the index in sort order: the only sorts are of the
    # per-state pages (SCAN anon_n: at most limit + 1 rows each), never a
    # sort or scan of the tickets table
    assert "COVERING INDEX" in count_plan
    assert "_state_priority_ix" in count_plan
    steps = page_plan.split(" | ")
    searches = [p for p in steps if p.startswith("SEARCH")]
    assert len(searches) == 3
    assert all("_state_priority_ix (state=?)" in p for p in searches)
    assert not any(p.startswith("SCAN pv_") for p in steps)
    sorts = [i for i, p in enumerate(steps) if "TEMP B-TREE" in p]
    assert all(steps[i - 1].startswith("SCAN anon_") for i in sorts)


def test_a_repeated_state_lists_each_ticket_once(sqlite_runtime: Runtime) -> None:
    # given open tickets
    _open_tickets(sqlite_runtime, 4)
    host = sqlite_runtime.projections
    host.ensure_active(host.select(["queue_view"])[0])
    catch_up_all(host)

    # when the list is asked with a state repeated
    with read_transaction(sqlite_runtime.engine) as conn:
        view = host.active_view(conn, "queue_view")
        t = view.tables.tickets
        once = list_queue(conn, t, 0, QueueFilter(states=("new",)), limit=10)
        twice = list_queue(conn, t, 0, QueueFilter(states=("new", "new")), limit=10)
        mixed = QueueFilter(states=("new", "on_hold", "new"))
        merged = list_queue(conn, t, 0, mixed, limit=10)

    # then every ticket appears once, as with the state given once
    numbers = [i.number for i in once.items]
    assert len(numbers) == 4
    assert [i.number for i in twice.items] == numbers
    assert [i.number for i in merged.items] == numbers

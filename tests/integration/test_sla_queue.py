"""Queue listings with SLA due times, ordered by due time or by risk."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.support.sla_desk import Desk, desk_runtime, utc
from ticketing.errors import InvalidCommandError
from ticketing.projections.catchup import catch_up
from ticketing.queries.queues import QueueFilter, list_queue
from ticketing.queries.sla import due_times
from ticketing.sla.reading import active_view
from ticketing.store.datastore import read_transaction

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ticketing.queries.queues import Page

pytestmark = pytest.mark.integration


@pytest.fixture
def desk(db_url: str) -> Iterator[Desk]:
    runtime, clock = desk_runtime(db_url, utc("2026-03-02 07:00"))
    d = Desk(runtime, clock)
    # INC1: P3 response (4h office hours) warns at 11:00, due 12:00
    d.open(utc("2026-03-02 08:00"), "P3")
    # INC2: P2 answered: resolution warns at 15:30, due 17:30
    p2 = d.open(utc("2026-03-02 09:30"), "P2")
    d.reply(utc("2026-03-02 09:55"), p2)
    # INC3: answered and on hold: nothing running
    held = d.open(utc("2026-03-02 09:40"), "P4")
    d.reply(utc("2026-03-02 09:45"), held)
    d.hold(utc("2026-03-02 09:50"), held)
    # INC4: P1 response (15m) warns at 11:11:15, due 11:15
    d.open(utc("2026-03-02 11:00"), "P1")
    host = runtime.projections
    queue = host.select(["queue_view"])[0]
    catch_up(host.source, queue, host.ensure_active(queue))
    d.project()
    yield d
    runtime.close()


def listing(
    desk: Desk,
    sort: str,
    limit: int = 50,
    cursor: str | None = None,
    before: str | None = None,
) -> Page:
    host = desk.runtime.projections
    with read_transaction(desk.runtime.engine) as conn:
        queue = host.active_view(conn, "queue_view")
        sla = due_times(active_view(host, conn).tables)
        return list_queue(
            conn,
            queue.tables.tickets,
            queue.generation.position,
            QueueFilter(),
            sort=sort,
            limit=limit,
            cursor=cursor,
            before=before,
            sla=sla,
            with_offset=True,
        )


def test_items_carry_their_sla_due_time_and_sort_by_it(desk: Desk) -> None:
    page = listing(desk, "due")

    assert [(i.number, i.sla_due_at) for i in page.items] == [
        ("INC0000004", utc("2026-03-02 11:15")),
        ("INC0000001", utc("2026-03-02 12:00")),
        ("INC0000002", utc("2026-03-02 17:30")),
        ("INC0000003", None),
    ]


def test_at_risk_orders_by_the_warning_threshold(desk: Desk) -> None:
    # INC4 is due first, but INC1 crossed its warning threshold first
    page = listing(desk, "at_risk")

    assert [i.number for i in page.items] == [
        "INC0000001",
        "INC0000004",
        "INC0000002",
        "INC0000003",
    ]


def test_pages_follow_the_due_order(desk: Desk) -> None:
    numbers: list[str] = []
    cursor: str | None = None
    while True:
        page = listing(desk, "due", limit=1, cursor=cursor)
        numbers += [i.number for i in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break

    assert numbers == ["INC0000004", "INC0000001", "INC0000002", "INC0000003"]


@pytest.mark.parametrize("sort", ["due", "at_risk"])
def test_previous_pages_and_offsets_follow_the_sla_order(desk: Desk, sort: str) -> None:
    # given the last page of an SLA sort, one ticket a page
    forward = [listing(desk, sort, limit=1)]
    while forward[-1].next_cursor is not None:
        forward.append(listing(desk, sort, limit=1, cursor=forward[-1].next_cursor))

    # when walking back with previous cursors
    backward = [forward[-1]]
    while backward[-1].prev_cursor is not None:
        backward.append(listing(desk, sort, limit=1, before=backward[-1].prev_cursor))

    # then the same tickets come back in reverse, each page at its offset
    assert [p.items[0].number for p in reversed(backward)] == [
        p.items[0].number for p in forward
    ]
    assert [p.offset for p in forward] == list(range(len(forward)))


def test_sla_sorts_need_the_sla_projection(desk: Desk) -> None:
    host = desk.runtime.projections
    with read_transaction(desk.runtime.engine) as conn:
        queue = host.active_view(conn, "queue_view")
        with pytest.raises(InvalidCommandError) as err:
            list_queue(conn, queue.tables.tickets, 0, QueueFilter(), sort="due")

    assert "SLA projection" in err.value.details["fields"]["sort"]

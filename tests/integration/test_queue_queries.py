"""Queue queries: filters, every sort, keyset pagination with totals, bad cursors.

Every result is checked against an oracle: the view's rows filtered and
sorted in Python.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.projections import T0, catch_up_all, fresh_database, start_runtime
from tests.support.strategies import run_steps, scripted_steps
from ticketing.clock import SettableClock
from ticketing.errors import InvalidCommandError
from ticketing.queries.queues import (
    SLA_SORTS,
    SORTS,
    QueueFilter,
    list_queue,
    queue_counts,
)
from ticketing.store.datastore import read_transaction

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from ticketing.queries.queues import Page
    from ticketing.runtime import Runtime

pytestmark = pytest.mark.integration

ALL = QueueFilter(states=())


def page(runtime: Runtime, flt: QueueFilter, **kwargs: Any) -> Page:
    host = runtime.projections
    with read_transaction(host.engine) as conn:
        view = host.active_view(conn, "queue_view")
        return list_queue(
            conn, view.tables.tickets, view.generation.position, flt, **kwargs
        )


def everything(runtime: Runtime) -> list[dict[str, Any]]:
    return [
        {"group": i.group, **{k: getattr(i, k) for k in i.__dataclass_fields__}}
        for i in page(runtime, ALL, sort="number", limit=500).items
    ]


def oracle_key(sort: str) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        out: list[Any] = []
        for name, desc in SORTS[sort]:
            value = row[name]
            if desc:  # only datetimes sort descending
                value = -value.timestamp()
            out.append(value)
        return tuple(out)

    return key


def walk(
    runtime: Runtime,
    flt: QueueFilter,
    sort: str,
    limit: int,
    between: Callable[[], None] | None = None,
) -> list[str]:
    numbers: list[str] = []
    cursor = None
    while True:
        p = page(runtime, flt, sort=sort, limit=limit, cursor=cursor)
        numbers += [i.number for i in p.items]
        if p.next_cursor is None:
            return numbers
        cursor = p.next_cursor
        if between is not None:
            between()


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def busy(request: pytest.FixtureRequest) -> Iterator[Runtime]:
    """A read-only history shared by this module's tests, on each backend."""
    with fresh_database(request.param) as url:
        clock = SettableClock(T0)
        runtime = start_runtime(url, clock)
        try:
            run_steps(runtime.service, clock, scripted_steps(30, seed=11))
            catch_up_all(runtime.projections)
            yield runtime
        finally:
            runtime.close()


FILTERS: dict[str, tuple[QueueFilter, Callable[[dict[str, Any]], bool]]] = {
    "open (default)": (
        QueueFilter(),
        lambda r: r["state"] in ("new", "in_progress", "on_hold"),
    ),
    "queue": (
        QueueFilter(queue="network", states=()),
        lambda r: r["queue"] == "network",
    ),
    "group": (QueueFilter(group="l2", states=()), lambda r: r["group"] == "l2"),
    "assignee": (
        QueueFilter(assignee="alice", states=()),
        lambda r: r["assignee"] == "alice",
    ),
    "requester": (
        QueueFilter(requester_id="dave", states=()),
        lambda r: r["requester_id"] == "dave",
    ),
    "states": (
        QueueFilter(states=("resolved", "closed")),
        lambda r: r["state"] in ("resolved", "closed"),
    ),
    "priorities": (
        QueueFilter(priorities=("P1", "P2"), states=()),
        lambda r: r["priority"] in ("P1", "P2"),
    ),
    "types": (QueueFilter(types=("incident",), states=()), lambda r: True),
    "unassigned open": (
        QueueFilter(unassigned=True),
        lambda r: (
            r["assignee"] is None and r["state"] in ("new", "in_progress", "on_hold")
        ),
    ),
    "combined": (
        QueueFilter(queue="desk", priorities=("P2", "P3"), states=("in_progress",)),
        lambda r: (
            r["queue"] == "desk"
            and r["priority"] in ("P2", "P3")
            and r["state"] == "in_progress"
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_filters_match_the_oracle_with_exact_totals(busy: Runtime, name: str) -> None:
    flt, predicate = FILTERS[name]
    expected = sorted(r["number"] for r in everything(busy) if predicate(r))

    result = page(busy, flt, sort="number", limit=500)

    assert [i.number for i in result.items] == expected
    assert result.total == len(expected)
    assert expected  # the history exercises every filter


# The SLA sorts join the SLA projection: covered in test_sla_queue.py.
@pytest.mark.parametrize("sort", sorted(set(SORTS) - SLA_SORTS))
def test_every_sort_pages_through_every_row_once_in_order(
    busy: Runtime, sort: str
) -> None:
    expected = [r["number"] for r in sorted(everything(busy), key=oracle_key(sort))]

    walked = walk(busy, ALL, sort, limit=4)

    assert walked == expected
    assert page(busy, ALL, sort=sort, limit=4).total == len(expected)


def pages_forward(
    runtime: Runtime, flt: QueueFilter, sort: str, limit: int
) -> list[Page]:
    pages: list[Page] = []
    cursor = None
    while True:
        p = page(runtime, flt, sort=sort, limit=limit, cursor=cursor, with_offset=True)
        pages.append(p)
        if p.next_cursor is None:
            return pages
        cursor = p.next_cursor


# The SLA sorts join the SLA projection: covered in test_sla_queue.py.
@pytest.mark.parametrize("sort", sorted(set(SORTS) - SLA_SORTS))
def test_previous_links_walk_back_through_the_same_pages(
    busy: Runtime, sort: str
) -> None:
    # given every page of a sort, walked forwards
    forward = pages_forward(busy, ALL, sort, limit=4)
    assert len(forward) > 3

    # when walking back from the last page with each page's previous cursor
    backward = [forward[-1]]
    while backward[-1].prev_cursor is not None:
        before = backward[-1].prev_cursor
        backward.append(
            page(busy, ALL, sort=sort, limit=4, before=before, with_offset=True)
        )

    # then the same pages come back in reverse, and the first has no previous
    assert [[i.number for i in p.items] for p in reversed(backward)] == [
        [i.number for i in p.items] for p in forward
    ]
    assert forward[0].prev_cursor is None
    assert all(p.prev_cursor is not None for p in forward[1:])
    assert all(p.next_cursor is not None for p in backward[1:])


@pytest.mark.parametrize("sort", sorted(set(SORTS) - SLA_SORTS))
def test_offsets_count_the_rows_before_each_page(busy: Runtime, sort: str) -> None:
    forward = pages_forward(busy, QueueFilter(), sort, limit=3)

    offsets = [p.offset for p in forward]

    sizes = [len(p.items) for p in forward]
    assert offsets == [sum(sizes[:i]) for i in range(len(forward))]
    assert sum(sizes) == forward[0].total


def test_cursor_and_before_together_are_refused(busy: Runtime) -> None:
    first = page(busy, ALL, sort="number", limit=2)
    assert first.next_cursor is not None

    with pytest.raises(InvalidCommandError) as err:
        page(busy, ALL, cursor=first.next_cursor, before=first.next_cursor)

    assert "before" in err.value.details["fields"]


def test_a_malformed_before_cursor_is_invalid_input(busy: Runtime) -> None:
    with pytest.raises(InvalidCommandError) as err:
        page(busy, ALL, sort="priority", before=BAD_CURSORS["not a list"])

    assert "cursor" in err.value.details["fields"]


# The SLA sorts join the SLA projection: covered in test_sla_queue.py.
@pytest.mark.parametrize("sort", sorted(set(SORTS) - SLA_SORTS))
def test_rows_added_between_pages_never_duplicate_or_hide_existing_rows(
    runtime: Runtime, clock: SettableClock, sort: str
) -> None:
    busy = runtime
    run_steps(busy.service, clock, scripted_steps(8, seed=11))
    catch_up_all(busy.projections)
    before = {r["number"] for r in everything(busy)}
    added = [0]

    def add_tickets() -> None:  # on the first three page turns
        if added[0] < 3:
            added[0] += 1
            run_steps(busy.service, clock, scripted_steps(1, seed=100 + added[0]))
            catch_up_all(busy.projections)

    walked = walk(busy, ALL, sort, limit=2, between=add_tickets)

    assert added[0] == 3
    assert len(walked) == len(set(walked))
    assert before <= set(walked)


def test_counts_per_queue_state_priority_match_the_rows(busy: Runtime) -> None:
    rows = everything(busy)
    host = busy.projections

    with read_transaction(host.engine) as conn:
        view = host.active_view(conn, "queue_view")
        counts = queue_counts(conn, view.tables.tickets, ALL)

    expected: dict[tuple[Any, ...], int] = {}
    for r in rows:
        key = (r["queue"], r["state"], r["priority"])
        expected[key] = expected.get(key, 0) + 1
    assert {(c["queue"], c["state"], c["priority"]): c["count"] for c in counts} == (
        expected
    )
    assert sum(c["count"] for c in counts) == len(rows)


def encode(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


BAD_CURSORS = {
    "not base64": "!!!",
    "not JSON": base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    "not a list": encode({"a": 1}),
    "too short": encode(["P1"]),
    "wrong type": encode([1, "2026-03-02T09:00:00+00:00", "INC0000001"]),
    "not a time": encode(["P1", "tuesday", "INC0000001"]),
    "naive time": encode(["P1", "2026-03-02T09:00:00", "INC0000001"]),
    "from another sort": encode(["INC0000001"]),
}


@pytest.mark.parametrize("name", sorted(BAD_CURSORS))
def test_a_malformed_cursor_is_invalid_input(busy: Runtime, name: str) -> None:
    with pytest.raises(InvalidCommandError) as err:
        page(busy, ALL, sort="priority", cursor=BAD_CURSORS[name])

    assert err.value.code == "invalid_command"
    assert "cursor" in err.value.details["fields"]


def test_a_cursor_from_this_sort_resumes_after_its_row(busy: Runtime) -> None:
    first = page(busy, ALL, sort="age", limit=3)
    assert first.next_cursor is not None

    second = page(busy, ALL, sort="age", limit=3, cursor=first.next_cursor)

    assert second.items[0].opened_at >= first.items[-1].opened_at
    assert second.items[0].number != first.items[-1].number


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"states": ("open",)}, "states"),
        ({"priorities": ("P0",)}, "priorities"),
        ({"types": ("bug",)}, "types"),
        ({"unassigned": True, "assignee": "bob"}, "unassigned"),
    ],
)
def test_a_filter_with_unknown_values_is_refused(
    values: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidCommandError) as err:
        QueueFilter(**values)

    assert field in err.value.details["fields"]


def test_age_and_json_of_an_item(busy: Runtime) -> None:
    item = page(busy, ALL, sort="age", limit=1).items[0]
    now = datetime(2026, 3, 10, tzinfo=UTC)

    data = item.as_json(now)

    end = item.closed_at or now
    assert data["age_seconds"] == (end - item.opened_at).total_seconds()
    assert data["ticket_id"] == str(item.ticket_id)
    assert data["sla_due_at"] is None

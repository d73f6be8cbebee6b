"""Ticket counts of the queue view, kept by delta (``<prefix>_counts``).

One row per (queue, group, state, priority, type, unassigned) group of
tickets that has at least one ticket: the queue view's ``apply`` adds the
changes of each batch in its own transaction (``counts_delta``). It answers
``ticketing.queries.queues.queue_counts`` for every filter but an assignee or
a requester (those read the tickets table). It is a function of the tickets
table, so it is not part of the projection's digest; ``count_rows`` recomputes
it from the tickets (backfill of a generation built before the table existed,
and the tests' reference).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import BigInteger, Column, Integer, String, Table, Text, func, select

from ticketing.projections.counters import Deltas

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sqlalchemy import MetaData
    from sqlalchemy.engine import Connection

#: The group columns, in key order.
GROUP_COLUMNS: Final = (
    "queue",
    "group_name",
    "state",
    "priority",
    "type",
    "unassigned",
)
SUMS: Final = ("tickets",)


def define_counts(metadata: MetaData, prefix: str) -> Table:
    return Table(
        f"{prefix}_counts",
        metadata,
        Column("key", Text(), primary_key=True),
        Column("queue", String(128)),
        Column("group_name", String(128)),
        Column("state", String(16), nullable=False),
        Column("priority", String(2), nullable=False),
        Column("type", String(32), nullable=False),
        #: 1 when the tickets have no assignee.
        Column("unassigned", Integer(), nullable=False),
        Column("tickets", BigInteger(), nullable=False),
    )


def count_group(row: Mapping[str, Any]) -> tuple[Any, ...]:
    """The group a queue view row counts in."""
    return (
        row["queue"],
        row["group_name"],
        row["state"],
        row["priority"],
        row["type"],
        1 if row["assignee"] is None else 0,
    )


def counts_delta(
    before: Mapping[Any, tuple[Any, ...]], rows: Mapping[Any, Mapping[str, Any]]
) -> Deltas:
    """What a batch changed: ``before`` the groups of the rows it loaded,
    ``rows`` every row it wrote (loaded or new), by ticket."""
    deltas = Deltas(GROUP_COLUMNS, SUMS, SUMS)
    for ticket, row in rows.items():
        now = count_group(row)
        was = before.get(ticket)
        if was == now:
            continue
        if was is not None:
            deltas.add(was, (1,), -1)
        deltas.add(now, (1,))
    return deltas


def count_rows(conn: Connection, tickets: Table) -> Deltas:
    """The counts recomputed from the tickets table (as deltas from nothing)."""
    c = tickets.c
    unassigned = c.assignee.is_(None)
    query = select(
        c.queue,
        c.group_name,
        c.state,
        c.priority,
        c.type,
        unassigned.label("unassigned"),
        func.count().label("tickets"),
    ).group_by(c.queue, c.group_name, c.state, c.priority, c.type, unassigned)
    deltas = Deltas(GROUP_COLUMNS, SUMS, SUMS)
    for r in conn.execute(query):
        m = r._mapping
        group = (*(m[n] for n in GROUP_COLUMNS[:-1]), 1 if m["unassigned"] else 0)
        deltas.add(group, (int(m["tickets"]),))
    return deltas


def backfill_counts(conn: Connection, tickets: Table, counts: Table) -> None:
    """Fill an empty counts table from the tickets table."""
    count_rows(conn, tickets).write(conn, counts)

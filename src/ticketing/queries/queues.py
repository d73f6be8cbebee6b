"""Queue queries: filtered, sorted, cursor-paginated lists with totals; counts.

Cursors are keyset cursors (the last row's sort values), so pages stay stable
while tickets come and go; the total is counted with the same filters. A page
can also be asked for *before* a cursor (the page preceding it), which gives
"previous" links without keeping a trail of earlier cursors.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Literal

from sqlalchemy import and_, false, func, literal, or_, select, union_all

from ticketing.aggregates.vocabulary import (
    OPEN_STATES,
    PRIORITIES,
    STATES,
    TICKET_TYPES,
)
from ticketing.errors import InvalidCommandError
from ticketing.projections.queue_view import QueueTables
from ticketing.queries.rows import QueueItem

if TYPE_CHECKING:
    from collections.abc import Mapping
    from uuid import UUID

    from sqlalchemy import ColumnElement, Subquery, Table
    from sqlalchemy.engine import Connection

SortKey = Literal["priority", "age", "updated", "number", "due", "at_risk"]
SORTS: Final[dict[str, tuple[tuple[str, bool], ...]]] = {
    # column, descending?  -- ``number`` always ends the key: rows are unique.
    "priority": (("priority", False), ("opened_at", False), ("number", False)),
    "age": (("opened_at", False), ("number", False)),
    "updated": (("updated_at", True), ("number", False)),
    "number": (("number", False),),
    # SLA (needs ``sla``): soonest due first; most at risk = earliest warning
    # threshold first. Tickets without a running clock come last.
    "due": (("sort_sla_due_at", False), ("number", False)),
    "at_risk": (
        ("sort_sla_warn_at", False),
        ("sort_sla_due_at", False),
        ("number", False),
    ),
}
_NEVER: Final = datetime(9999, 12, 31, tzinfo=UTC)
#: Sorts that need the SLA projection joined in (``sla=due_times(...)``).
SLA_SORTS: Final = frozenset({"due", "at_risk"})
MAX_PAGE: Final = 500


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """Which tickets to list; empty fields do not filter. Default: open tickets."""

    queue: str | None = None
    group: str | None = None
    assignee: str | None = None
    requester_id: str | None = None
    states: tuple[str, ...] = field(default_factory=lambda: tuple(sorted(OPEN_STATES)))
    priorities: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    unassigned: bool = False

    def __post_init__(self) -> None:
        problems: dict[str, str] = {}
        for name, values, allowed in (
            ("states", self.states, STATES),
            ("priorities", self.priorities, PRIORITIES),
            ("types", self.types, TICKET_TYPES),
        ):
            bad = [v for v in values if v not in allowed]
            if bad:
                problems[name] = (
                    f"unknown {', '.join(map(repr, bad))}; known: {', '.join(allowed)}"
                )
        if self.unassigned and self.assignee is not None:
            problems["unassigned"] = "cannot be combined with an assignee"
        if problems:
            raise InvalidCommandError.for_fields(problems)

    def where(self, t: Table, *, state: str | None = None) -> list[ColumnElement[bool]]:
        """The filter as SQL; ``state`` narrows ``states`` to that one state."""
        c = t.c
        clauses: list[ColumnElement[bool]] = []
        for value, column in (
            (self.queue, c.queue),
            (self.group, c.group_name),
            (self.assignee, c.assignee),
            (self.requester_id, c.requester_id),
        ):
            if value is not None:
                clauses.append(column == value)
        if state is not None:
            clauses.append(c.state == state)
        for values, column in (
            (() if state is not None else self.states, c.state),
            (self.priorities, c.priority),
            (self.types, c.type),
        ):
            if values:
                clauses.append(column.in_(values))
        if self.unassigned:
            clauses.append(c.assignee.is_(None))
        return clauses


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a queue: items, the total matching, and the next cursor.

    ``prev_cursor`` (for ``before=``) is set when rows precede this page;
    ``offset`` (how many matching rows precede it) only when asked for.
    """

    items: list[QueueItem]
    total: int
    next_cursor: str | None
    position: int
    prev_cursor: str | None = None
    offset: int | None = None

    def as_json(self, now: datetime) -> dict[str, Any]:
        return {
            "items": [i.as_json(now) for i in self.items],
            "total": self.total,
            "next_cursor": self.next_cursor,
            "position": self.position,
        }


def _encode_cursor(values: list[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    raw = json.dumps(plain, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: tuple[tuple[str, bool], ...]) -> list[Any]:
    bad = InvalidCommandError.for_fields({"cursor": "malformed or from another sort"})
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad from None
    if not isinstance(values, list) or len(values) != len(sort):
        raise bad
    out: list[Any] = []
    for (name, _), value in zip(sort, values, strict=True):
        if name.endswith("_at"):
            try:
                instant = datetime.fromisoformat(str(value))
            except ValueError:
                raise bad from None
            if instant.tzinfo is None:
                raise bad
            out.append(instant)
        elif not isinstance(value, str):
            raise bad
        else:
            out.append(value)
    return out


def _after(
    c: Mapping[str, Any],
    sort: tuple[tuple[str, bool], ...],
    values: list[Any],
    *,
    backwards: bool = False,
) -> Any:
    """Rows strictly after (or, ``backwards``, before) ``values`` in the sort order."""
    clause: Any = false()
    for i in range(len(sort) - 1, -1, -1):
        name, desc = sort[i]
        column = c[name]
        step = column < values[i] if desc != backwards else column > values[i]
        equal_prefix = [c[sort[j][0]] == values[j] for j in range(i)]
        clause = or_(and_(*equal_prefix, step), clause)
    return clause


def list_queue(
    conn: Connection,
    t: Table,
    position: int,
    flt: QueueFilter,
    *,
    sort: str = "priority",
    limit: int = 50,
    cursor: str | None = None,
    before: str | None = None,
    sla: Subquery | None = None,
    with_offset: bool = False,
) -> Page:
    """A page of tickets matching ``flt``; ``position`` is the view's checkpoint.

    ``cursor`` asks for the page after that cursor, ``before`` for the page
    that precedes it (at most ``limit`` rows, in the same order).
    ``sla`` (``ticketing.queries.sla.due_times``) adds each ticket's SLA due
    time (``sla_due_at``) and enables the ``due`` and ``at_risk`` sorts.
    ``with_offset`` also counts the matching rows before the page.
    """
    if sort not in SORTS:
        raise InvalidCommandError.for_fields(
            {"sort": f"{sort!r} is not one of: {', '.join(SORTS)}"}
        )
    if sla is None and sort in SLA_SORTS:
        raise InvalidCommandError.for_fields(
            {"sort": f"{sort!r} needs the SLA projection, which is not available"}
        )
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidCommandError.for_fields(
            {"limit": f"must be between 1 and {MAX_PAGE}"}
        )
    if cursor and before:
        raise InvalidCommandError.for_fields(
            {"before": "give either a cursor or before, not both"}
        )
    spec = SORTS[sort]
    where = flt.where(t)
    total = int(
        conn.execute(select(func.count()).select_from(t).where(*where)).scalar_one()
    )
    columns, _ = _sorted_query(t, where, sla)
    backwards = bool(before)
    edge = cursor or before
    values = _decode_cursor(edge, spec) if edge else None
    rows = _page_rows(
        conn,
        t,
        flt,
        sla=sla,
        spec=spec,
        values=values,
        backwards=backwards,
        count=limit + 1,
    )
    more = len(rows) > limit
    kept = [r._mapping for r in rows[:limit]]
    if backwards:
        kept.reverse()
    items = [QueueItem.from_row(r) for r in kept]
    first = _encode_cursor([kept[0][n] for n, _ in spec]) if kept else None
    last = _encode_cursor([kept[-1][n] for n, _ in spec]) if kept else None
    # forwards, ``more`` means rows follow; backwards, that rows precede (the
    # page a ``before`` cursor came from follows, and so does a cursor's row)
    rows_follow = bool(kept) if backwards else more
    rows_precede = more if backwards else bool(cursor and kept)
    next_cursor = last if rows_follow else None
    prev_cursor = first if rows_precede else None
    offset = None
    if with_offset:
        offset = 0
        if kept:
            preceding = _after(
                columns, spec, [kept[0][n] for n, _ in spec], backwards=True
            )
            offset = _count(conn, t, where, sla, preceding)
        if offset == 0:
            prev_cursor = None
    return Page(
        items=items,
        total=total,
        next_cursor=next_cursor,
        position=position,
        prev_cursor=prev_cursor,
        offset=offset,
    )


def _order(
    columns: Mapping[str, Any], spec: tuple[tuple[str, bool], ...], backwards: bool
) -> list[Any]:
    return [columns[n].desc() if d != backwards else columns[n].asc() for n, d in spec]


def _page_rows(
    conn: Connection,
    t: Table,
    flt: QueueFilter,
    *,
    sla: Subquery | None,
    spec: tuple[tuple[str, bool], ...],
    values: list[Any] | None,
    backwards: bool,
    count: int,
) -> list[Any]:
    """The first ``count`` matching rows after ``values`` (None: from the start).

    With several states (the default filter: every open state) the page is
    the merge of one ordered, limited read per state: each walks an index
    that starts with ``state`` in sort order (``queue_view`` declares them
    for the priority sort) and stops after ``count`` rows, where a single
    ``state IN (...)`` read would sort every open ticket. The SLA sorts join
    a per-ticket aggregate and stay one read.
    """

    def ordered(where: list[ColumnElement[bool]]) -> Any:
        columns, query = _sorted_query(t, where, sla)
        if values is not None:
            query = query.where(_after(columns, spec, values, backwards=backwards))
        return query.order_by(*_order(columns, spec, backwards)).limit(count)

    states = list(dict.fromkeys(flt.states))  # a repeated state is one arm
    if sla is not None or len(states) < 2:
        return list(conn.execute(ordered(flt.where(t))).all())
    arms = [select(ordered(flt.where(t, state=s)).subquery()) for s in states]
    merged = union_all(*arms).subquery("page")
    query = (
        select(merged).order_by(*_order(dict(merged.c), spec, backwards)).limit(count)
    )
    return list(conn.execute(query).all())


def _sorted_query(
    t: Table, where: list[ColumnElement[bool]], sla: Subquery | None
) -> tuple[dict[str, Any], Any]:
    """The filtered select, with the SLA due/warn sort columns when ``sla`` is given."""
    columns: dict[str, Any] = dict(t.c)
    query = select(t).where(*where)
    if sla is not None:
        due, warn = sla.c.sla_due_at, sla.c.sla_warn_at
        columns["sort_sla_due_at"] = func.coalesce(due, literal(_NEVER, due.type))
        columns["sort_sla_warn_at"] = func.coalesce(warn, literal(_NEVER, warn.type))
        query = query.add_columns(
            due.label("sla_due_at"),
            columns["sort_sla_due_at"].label("sort_sla_due_at"),
            columns["sort_sla_warn_at"].label("sort_sla_warn_at"),
        ).outerjoin(sla, sla.c.ticket_id == t.c.ticket_id)
    return columns, query


def _count(
    conn: Connection,
    t: Table,
    where: list[ColumnElement[bool]],
    sla: Subquery | None,
    condition: Any,
) -> int:
    source: Any = t
    if sla is not None:
        source = t.outerjoin(sla, sla.c.ticket_id == t.c.ticket_id)
    query = select(func.count()).select_from(source).where(*where, condition)
    return int(conn.execute(query).scalar_one())


def queue_counts(
    conn: Connection, source: QueueTables | Table, flt: QueueFilter
) -> list[dict[str, Any]]:
    """Ticket counts per queue x state x priority for the filter.

    Given the view's tables, read from its counts table (a few hundred rows,
    kept by the projection) unless the filter names an assignee or a
    requester, which only the tickets table knows; given the tickets table,
    counted there (the reference, and a past view's scratch copy).
    """
    if isinstance(source, QueueTables):
        if flt.assignee is None and flt.requester_id is None:
            counts = source.counts
            where = _count_where(counts, flt)
            return _counted(conn, counts, where, func.sum(counts.c.tickets))
        source = source.tickets
    return _counted(conn, source, flt.where(source), func.count())


def _counted(
    conn: Connection, t: Table, where: list[ColumnElement[bool]], count: Any
) -> list[dict[str, Any]]:
    c = t.c
    query = (
        select(c.queue, c.state, c.priority, count.label("count"))
        .where(*where)
        .group_by(c.queue, c.state, c.priority)
        .order_by(c.queue, c.state, c.priority)
    )
    return [
        {"queue": q, "state": state, "priority": p, "count": int(n)}
        for q, state, p, n in conn.execute(query)
    ]


def _count_where(t: Table, flt: QueueFilter) -> list[ColumnElement[bool]]:
    """``flt`` (no assignee, no requester) over a counts table's group columns."""
    c = t.c
    clauses: list[ColumnElement[bool]] = []
    if flt.queue is not None:
        clauses.append(c.queue == flt.queue)
    if flt.group is not None:
        clauses.append(c.group_name == flt.group)
    for values, column in (
        (flt.states, c.state),
        (flt.priorities, c.priority),
        (flt.types, c.type),
    ):
        if values:
            clauses.append(column.in_(values))
    if flt.unassigned:
        clauses.append(c.unassigned == 1)
    return clauses


def get_item(conn: Connection, t: Table, ticket_id: UUID) -> QueueItem | None:
    row = conn.execute(select(t).where(t.c.ticket_id == ticket_id)).first()
    return None if row is None else QueueItem.from_row(row._mapping)

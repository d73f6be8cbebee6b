"""Queue queries: filtered, sorted, cursor-paginated lists with totals; counts.

Cursors are keyset cursors (the last row's sort values), so pages stay stable
while tickets come and go; the total is counted with the same filters.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Literal

from sqlalchemy import and_, false, func, literal, or_, select

from ticketing.aggregates.vocabulary import (
    OPEN_STATES,
    PRIORITIES,
    STATES,
    TICKET_TYPES,
)
from ticketing.errors import InvalidCommandError
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

    def where(self, t: Table) -> list[ColumnElement[bool]]:
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
        for values, column in (
            (self.states, c.state),
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
    """One page of a queue: items, the total matching, and the next cursor."""

    items: list[QueueItem]
    total: int
    next_cursor: str | None
    position: int

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
    c: Mapping[str, Any], sort: tuple[tuple[str, bool], ...], values: list[Any]
) -> Any:
    """Rows strictly after ``values`` in the sort order (keyset condition)."""
    clause: Any = false()
    for i in range(len(sort) - 1, -1, -1):
        name, desc = sort[i]
        column = c[name]
        step = column < values[i] if desc else column > values[i]
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
    sla: Subquery | None = None,
) -> Page:
    """A page of tickets matching ``flt``; ``position`` is the view's checkpoint.

    ``sla`` (``ticketing.queries.sla.due_times``) adds each ticket's SLA due
    time (``sla_due_at``) and enables the ``due`` and ``at_risk`` sorts.
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
    spec = SORTS[sort]
    where = flt.where(t)
    total = int(
        conn.execute(select(func.count()).select_from(t).where(*where)).scalar_one()
    )
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
    if cursor:
        query = query.where(_after(columns, spec, _decode_cursor(cursor, spec)))
    order = [columns[n].desc() if d else columns[n].asc() for n, d in spec]
    rows = conn.execute(query.order_by(*order).limit(limit + 1)).all()
    items = [QueueItem.from_row(r._mapping) for r in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]._mapping
        next_cursor = _encode_cursor([last[n] for n, _ in spec])
    return Page(items=items, total=total, next_cursor=next_cursor, position=position)


def queue_counts(conn: Connection, t: Table, flt: QueueFilter) -> list[dict[str, Any]]:
    """Ticket counts per queue x state x priority for the filter."""
    c = t.c
    query = (
        select(c.queue, c.state, c.priority, func.count().label("count"))
        .where(*flt.where(t))
        .group_by(c.queue, c.state, c.priority)
        .order_by(c.queue, c.state, c.priority)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def get_item(conn: Connection, t: Table, ticket_id: UUID) -> QueueItem | None:
    row = conn.execute(select(t).where(t.c.ticket_id == ticket_id)).first()
    return None if row is None else QueueItem.from_row(row._mapping)

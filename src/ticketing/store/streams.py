"""Reading one aggregate's stored events (or snapshots) with prepared statements.

Building a SQLAlchemy statement (and its cache key) per call cost more than
running it on SQLite; each shape of query is built once per table and reused
with bound parameters (docs/benchmarks.md).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from sqlalchemy import Integer, bindparam, select

if TYPE_CHECKING:
    from sqlalchemy import Select, Table
    from sqlalchemy.engine import Connection


@cache
def _stream_query(
    table: Table, gt: bool, lte: bool, desc: bool, limit: bool
) -> Select[Any]:
    version = table.c.originator_version
    query = select(version, table.c.topic, table.c.state).where(
        table.c.originator_id == bindparam("oid")
    )
    if gt:
        query = query.where(version > bindparam("gt"))
    if lte:
        query = query.where(version <= bindparam("lte"))
    query = query.order_by(version.desc() if desc else version)
    if limit:
        query = query.limit(bindparam("limit", type_=Integer()))
    return query


def select_stream(  # noqa: PLR0917 - the library's select_events signature
    conn: Connection,
    table: Table,
    originator_id: UUID | str,
    gt: int | None,
    lte: int | None,
    desc: bool,
    limit: int | None,
) -> list[StoredEvent]:
    """The library's ``select_events`` contract, on ``table``."""
    query = _stream_query(
        table, gt is not None, lte is not None, desc, limit is not None
    )
    oid = originator_id if isinstance(originator_id, UUID) else UUID(str(originator_id))
    params = {"oid": oid, "gt": gt, "lte": lte, "limit": limit}
    rows = conn.execute(query, {k: v for k, v in params.items() if v is not None})
    return [
        StoredEvent(
            originator_id=originator_id,
            originator_version=row[0],
            topic=row[1],
            state=bytes(row[2]),
        )
        for row in rows
    ]

"""Bulk row writes for projections, the hot path of every rebuild.

On SQLite, SQLAlchemy's per-row parameter processing costs more than the
insert itself, so rows are converted once (UUIDs and instants exactly as
SQLAlchemy stores them) and handed to the driver's ``executemany``. Other
dialects take the ordinary SQLAlchemy path. Tests compare both paths' rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import Uuid, and_, bindparam, insert, update

from ticketing.projections.sqltypes import UtcDateTime

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.engine import Connection
    from sqlalchemy.sql.dml import UpdateBase
    from sqlalchemy.types import TypeEngine

Adapter = Callable[[Any], Any]


def _instant(value: Any) -> str | None:
    """An aware datetime as SQLAlchemy's SQLite DATETIME text (naive UTC)."""
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        msg = f"expected an aware datetime, got {value!r}"
        raise ValueError(msg)
    if value.tzinfo is not UTC and value.utcoffset():
        value = value.astimezone(UTC)
    text: str = value.isoformat(" ", "microseconds")
    return text[:26]


def _uuid(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, UUID):
        msg = f"expected a UUID, got {value!r}"
        raise TypeError(msg)
    return value.hex


def _same(value: Any) -> Any:
    return value


def _adapter(type_: TypeEngine[Any]) -> Adapter:
    if isinstance(type_, UtcDateTime):
        return _instant
    if isinstance(type_, Uuid):
        return _uuid
    return _same


@dataclass(frozen=True, slots=True)
class _Prepared:
    sql: str
    #: Picks the row's values in parameter order.
    pick: Callable[[dict[str, Any]], tuple[Any, ...]]
    #: (parameter index, adapter) for values that need converting.
    adapt: tuple[tuple[int, Adapter], ...]


_PREPARED: dict[tuple[str, ...], _Prepared] = {}
_KEY_PREFIX = "b_"


def _prepared(
    conn: Connection, statement: UpdateBase, cache: tuple[str, ...]
) -> _Prepared:
    found = _PREPARED.get(cache)
    if found is None:
        compiled = statement.compile(dialect=conn.dialect)
        names = compiled.positiontup or ()
        keys = [n.removeprefix(_KEY_PREFIX) for n in names]
        adapters = [_adapter(compiled.binds[n].type) for n in names]
        pick = itemgetter(*keys) if len(keys) > 1 else lambda r: (r[keys[0]],)
        found = _PREPARED[cache] = _Prepared(
            compiled.string,
            pick,
            tuple((i, a) for i, a in enumerate(adapters) if a is not _same),
        )
    return found


def _run(conn: Connection, prepared: _Prepared, rows: list[dict[str, Any]]) -> None:
    pick, adapt = prepared.pick, prepared.adapt
    params: list[tuple[Any, ...]] = []
    for row in rows:
        values = list(pick(row))
        for i, convert in adapt:
            values[i] = convert(values[i])
        params.append(tuple(values))
    conn.exec_driver_sql(prepared.sql, params)


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with every column)."""
    if not rows:
        return
    statement = insert(table)
    if conn.dialect.name != "sqlite":
        conn.execute(statement, rows)
        return
    _run(conn, _prepared(conn, statement, ("insert", table.name)), rows)


def update_rows(
    conn: Connection,
    table: Table,
    rows: list[dict[str, Any]],
    keys: tuple[str, ...],
    columns: frozenset[str],
) -> None:
    """Set ``columns`` of the rows identified by ``keys`` to the values in ``rows``."""
    if not rows:
        return
    names = sorted(columns - set(keys))
    statement = (
        update(table)
        .where(and_(*(table.c[k] == bindparam(f"{_KEY_PREFIX}{k}") for k in keys)))
        .values({n: bindparam(n) for n in names})
    )
    if conn.dialect.name != "sqlite":
        params = [
            {**{f"{_KEY_PREFIX}{k}": r[k] for k in keys}, **{n: r[n] for n in names}}
            for r in rows
        ]
        conn.execute(statement, params)
        return
    cache = ("update", table.name, *keys, *names)
    _run(conn, _prepared(conn, statement, cache), rows)

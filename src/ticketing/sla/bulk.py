"""Bulk row writes for the SLA projection, the hot path of its rebuild.

On SQLite, SQLAlchemy's per-row parameter processing costs more than the
insert itself, so rows are converted once (UUIDs and instants exactly as
SQLAlchemy stores them) and handed to the driver's ``executemany``. Other
dialects take the ordinary SQLAlchemy path. Tests compare both paths' rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import Uuid

from ticketing.projections.sqltypes import UtcDateTime

if TYPE_CHECKING:
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
    if value.utcoffset():
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
    pairs: tuple[tuple[str, Adapter], ...]


_PREPARED: dict[tuple[str, ...], _Prepared] = {}


def _prepare(conn: Connection, statement: UpdateBase) -> _Prepared | None:
    compiled = statement.compile(dialect=conn.dialect)
    names = compiled.positiontup
    if names is None:  # pragma: no cover - the SQLite dialect is positional
        return None
    pairs = tuple((n, _adapter(compiled.binds[n].type)) for n in names)
    return _Prepared(compiled.string, pairs)


def execute_many(
    conn: Connection,
    statement: UpdateBase,
    rows: list[dict[str, Any]],
    key: tuple[str, ...],
) -> None:
    """``conn.execute(statement, rows)``, with the fast path on SQLite.

    ``key`` names the statement (e.g. ``("update", table name)``) so that it is
    compiled once per process.
    """
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(statement, rows)
        return
    prepared = _PREPARED.get(key)
    if prepared is None:
        prepared = _prepare(conn, statement)
        if prepared is None:  # pragma: no cover - see _prepare
            conn.execute(statement, rows)
            return
        _PREPARED[key] = prepared
    pairs = prepared.pairs
    params = [tuple(adapt(row[name]) for name, adapt in pairs) for row in rows]
    conn.exec_driver_sql(prepared.sql, params)

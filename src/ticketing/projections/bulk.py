"""Bulk row writes for projections, the hot path of every rebuild.

On SQLite, SQLAlchemy's per-row parameter processing costs more than the
insert itself, so rows are converted once (UUIDs and instants exactly as
SQLAlchemy stores them) and handed to the driver's ``executemany``. On
PostgreSQL, inserts of many rows go through ``COPY`` (text format) when every
column is of a type written here exactly as SQLAlchemy binds it (UUIDs,
strings, integers, floats, aware instants, bytes); updates and anything else take the
ordinary SQLAlchemy path. Tests compare the paths' rows.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Final
from uuid import UUID

from sqlalchemy import (
    Float,
    Integer,
    LargeBinary,
    String,
    Uuid,
    and_,
    bindparam,
    insert,
    update,
)
from sqlalchemy.exc import DBAPIError

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


#: From this many rows on, PostgreSQL inserts use COPY.
PG_COPY_MIN_ROWS: Final = 50


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with every column)."""
    if not rows:
        return
    statement = insert(table)
    if conn.dialect.name == "postgresql" and len(rows) >= PG_COPY_MIN_ROWS:
        writers = _copy_writers(table)
        data = None if writers is None else _copy_data(table, writers, rows)
        if data is not None:
            _copy(conn, table, data)
            return
    if conn.dialect.name != "sqlite":
        conn.execute(statement, rows)
        return
    _run(conn, _prepared(conn, statement, ("insert", table.name)), rows)


# -- PostgreSQL: COPY ------------------------------------------------------------

CopyWriter = Callable[[Any], str]


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if not isinstance(value, str):
        msg = f"expected a string, got {value!r}"
        raise TypeError(msg)
    return (
        value.replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def _copy_int(value: Any) -> str:
    if value is None:
        return "\\N"
    if type(value) is bool or not isinstance(value, int):
        msg = f"expected an integer, got {value!r}"
        raise TypeError(msg)
    return str(int(value))


def _copy_float(value: Any) -> str:
    """``repr`` is the shortest text that reads back as the same double (what
    psycopg2 binds too); PostgreSQL spells the specials Infinity and NaN."""
    if value is None:
        return "\\N"
    if type(value) is bool or not isinstance(value, int | float):
        msg = f"expected a number, got {value!r}"
        raise TypeError(msg)
    number = float(value)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    return repr(number)


def _copy_uuid(value: Any) -> str:
    if value is None:
        return "\\N"
    if not isinstance(value, UUID):
        msg = f"expected a UUID, got {value!r}"
        raise TypeError(msg)
    return str(value)


def _copy_instant(value: Any) -> str:
    """An aware datetime, in UTC with its offset (what UtcDateTime binds)."""
    if value is None:
        return "\\N"
    if not isinstance(value, datetime) or value.tzinfo is None:
        msg = f"expected an aware datetime, got {value!r}"
        raise ValueError(msg)
    return value.astimezone(UTC).isoformat()


def _copy_bytes(value: Any) -> str:
    if value is None:
        return "\\N"
    return "\\\\x" + bytes(value).hex()


#: Column types COPY writes, most specific first (subclasses match: BigInteger
#: is an Integer, Double a Float, Text a String).
_COPY_WRITERS: Final[tuple[tuple[type[TypeEngine[Any]], CopyWriter], ...]] = (
    (UtcDateTime, _copy_instant),
    (Uuid, _copy_uuid),
    (Integer, _copy_int),
    (Float, _copy_float),
    (String, _copy_text),
    (LargeBinary, _copy_bytes),
)


def _copy_writer(type_: TypeEngine[Any]) -> CopyWriter | None:
    """How COPY writes a column of this type, or None: not supported here."""
    for kind, writer in _COPY_WRITERS:
        if isinstance(type_, kind):
            return writer
    return None


def _copy_writers(table: Table) -> tuple[CopyWriter, ...] | None:
    """A writer per column (None: some column's type is not supported)."""
    writers = [_copy_writer(c.type) for c in table.columns]
    if any(w is None for w in writers):
        return None
    return tuple(w for w in writers if w is not None)


def _copy_data(
    table: Table, writers: tuple[CopyWriter, ...], rows: list[dict[str, Any]]
) -> io.StringIO | None:
    """The rows in COPY's text format, or None if a value is not what its
    column type expects: the INSERT path then reports it as SQLAlchemy does."""
    pairs = list(zip([c.name for c in table.columns], writers, strict=True))
    buffer = io.StringIO()
    try:
        for row in rows:
            buffer.write("\t".join([write(row[name]) for name, write in pairs]))
            buffer.write("\n")
    except (TypeError, ValueError):
        return None
    buffer.seek(0)
    return buffer


def _copy(conn: Connection, table: Table, buffer: io.StringIO) -> None:
    """COPY ``buffer`` into ``table`` in the caller's transaction; driver errors
    are raised as SQLAlchemy's, as the INSERT path raises them."""
    columns = ", ".join(f'"{c.name}"' for c in table.columns)
    statement = f'COPY "{table.name}" ({columns}) FROM STDIN'
    dbapi_connection: Any = conn.connection.dbapi_connection
    dbapi: Any = conn.dialect.loaded_dbapi
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.copy_expert(statement, buffer)
    except dbapi.Error as exc:
        raise DBAPIError.instance(statement, None, exc, dbapi.Error) from exc


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

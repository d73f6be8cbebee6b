"""Bulk inserts through the database driver, for ``import events``.

SQLAlchemy's per-row parameter processing cost more than everything else the
import does per event (docs/performance.md, "Import"), so rows go to the
driver as the recorder's own appends do (``store/recorder.py``): one
``executemany`` on SQLite, one ``COPY ... FROM STDIN`` on PostgreSQL, in the
caller's transaction. Values are passed as each column's type stores them
(SQLite: ``BINARY(16)`` ids as their bytes, ``Uuid`` columns as 32 hex
digits; PostgreSQL: UUIDs in their canonical text form, ``bytea`` as hex).
Driver errors are raised as SQLAlchemy's (``IntegrityError``, ``DataError``,
...), exactly like those of a Core ``insert``.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from sqlalchemy.engine import Connection

    from ticketing.store.log_lines import LoadedEvent

EVENT_COLUMNS = (
    "id",
    "originator_id",
    "originator_version",
    "topic",
    "state",
    "recorded_at",
    "prev_hash",
    "hash",
)


def is_postgres(conn: Connection) -> bool:
    return bool(conn.dialect.name == "postgresql")


def insert_events(conn: Connection, table: str, rows: Sequence[LoadedEvent]) -> None:
    """The events, verbatim, into the log table ``table`` (its SQL name)."""
    if is_postgres(conn):
        copy_lines(
            conn,
            table,
            EVENT_COLUMNS,
            (
                f"{r.position}\t{r.originator_id}\t{r.originator_version}\t"
                f"{copy_text(r.topic)}\t\\\\x{r.state.hex()}\t"
                f"{copy_text(r.recorded_at)}\t{r.prev_hash}\t{r.hash}\n"
                for r in rows
            ),
        )
        return
    execute_many(
        conn,
        table,
        EVENT_COLUMNS,
        [
            (
                r.position,
                r.originator_bytes,
                r.originator_version,
                r.topic,
                r.state,
                r.recorded_at,
                r.prev_hash,
                r.hash,
            )
            for r in rows
        ],
    )


def uuid_converter(conn: Connection) -> Callable[[str], str]:
    """How a ``Uuid`` column stores an id given in canonical form (lowercase,
    hyphenated): as it is on PostgreSQL, as 32 hex digits on SQLite."""
    return str if is_postgres(conn) else _hex_digits


def _hex_digits(canonical: str) -> str:
    return canonical.replace("-", "")


def insert_rows(
    conn: Connection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[tuple[str | int, ...]],
) -> None:
    """Rows of text and integer values (already in their stored form)."""
    if not rows:
        return
    if is_postgres(conn):
        copy_lines(
            conn,
            table,
            columns,
            (
                "\t".join(copy_text(v) if isinstance(v, str) else str(v) for v in row)
                + "\n"
                for row in rows
            ),
        )
        return
    execute_many(conn, table, columns, rows)


def execute_many(
    conn: Connection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
) -> None:
    marks = ",".join("?" * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 - our tables, bound values
    conn.exec_driver_sql(sql, list(rows))


def copy_lines(
    conn: Connection, table: str, columns: Sequence[str], lines: Iterable[str]
) -> None:
    """COPY FROM STDIN (text format) of ``lines``, in the caller's transaction."""
    buffer = io.StringIO()
    buffer.writelines(lines)
    buffer.seek(0)
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    dbapi_connection: Any = conn.connection.dbapi_connection
    dbapi: Any = conn.dialect.loaded_dbapi
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.copy_expert(statement, buffer)
    except dbapi.Error as exc:
        raise DBAPIError.instance(statement, None, exc, dbapi.Error) from exc


def copy_text(value: str) -> str:
    """Escape a value for COPY's text format."""
    return (
        value.replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )

"""The physical limits the ticket benchmarks compare against: the same work done
with the database driver alone (sqlite3 / psycopg2), same durability settings.

Per command: select the ticket's rows, insert one row, commit. Bulk: one
executemany (SQLite) or COPY (PostgreSQL) of equally sized rows per transaction.
"""

from __future__ import annotations

import io
import sqlite3
import time
from typing import TYPE_CHECKING, Any, Protocol

import psycopg2

if TYPE_CHECKING:
    from collections.abc import Sequence

#: (originator_id bytes, version, topic, state, recorded_at, prev_hash, hash)
Row = tuple[bytes, int, str, bytes, str, str, str]

SQLITE_DDL = (
    "CREATE TABLE raw_events (id INTEGER PRIMARY KEY, originator_id BLOB NOT NULL,"
    " originator_version INTEGER NOT NULL, topic TEXT NOT NULL, state BLOB NOT NULL,"
    " recorded_at TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)",
    "CREATE UNIQUE INDEX raw_events_idx"
    " ON raw_events (originator_id, originator_version)",
)
PG_DDL = (
    "CREATE TABLE raw_events (id BIGSERIAL PRIMARY KEY, originator_id UUID NOT NULL,"
    " originator_version BIGINT NOT NULL, topic TEXT NOT NULL, state BYTEA NOT NULL,"
    " recorded_at TEXT NOT NULL, prev_hash VARCHAR(64) NOT NULL,"
    " hash VARCHAR(64) NOT NULL)",
    "CREATE UNIQUE INDEX raw_events_idx"
    " ON raw_events (originator_id, originator_version)",
)
# The SQL below is built from these constants only; values are always bound.
COLUMNS = (
    "originator_id, originator_version, topic, state, recorded_at, prev_hash, hash"
)


class RawStore(Protocol):
    def command(self, row: Row) -> None: ...
    def bulk(self, rows: Sequence[Row]) -> None: ...
    def close(self) -> None: ...


class RawSQLite:
    """sqlite3 with the settings of store/datastore.py: WAL, synchronous=FULL,
    BEGIN IMMEDIATE for every write transaction."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA busy_timeout = 30000")
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = FULL")
        for ddl in SQLITE_DDL:
            self.conn.execute(ddl)

    def command(self, row: Row) -> None:
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        c.execute(
            "SELECT originator_version, topic, state FROM raw_events"
            " WHERE originator_id = ? ORDER BY originator_version",
            (row[0],),
        ).fetchall()
        c.execute(f"INSERT INTO raw_events ({COLUMNS}) VALUES (?,?,?,?,?,?,?)", row)  # noqa: S608
        c.execute("COMMIT")

    def bulk(self, rows: Sequence[Row]) -> None:
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        c.executemany(
            f"INSERT INTO raw_events ({COLUMNS}) VALUES (?,?,?,?,?,?,?)",  # noqa: S608
            rows,
        )
        c.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


class RawPostgres:
    """psycopg2 on the same server, default (durable) commit settings."""

    def __init__(self, dsn: str, schema: str) -> None:
        self.conn = psycopg2.connect(dsn, options=f"-csearch_path={schema}")
        with self.conn.cursor() as cur:
            for ddl in PG_DDL:
                cur.execute(ddl)
        self.conn.commit()

    def command(self, row: Row) -> None:
        with self.conn.cursor() as cur:
            cur.execute(
                "SELECT originator_version, topic, state FROM raw_events"
                " WHERE originator_id = %s ORDER BY originator_version",
                (row[0].hex(),),
            )
            cur.fetchall()
            cur.execute(
                f"INSERT INTO raw_events ({COLUMNS}) VALUES (%s,%s,%s,%s,%s,%s,%s)",  # noqa: S608
                (row[0].hex(), row[1], row[2], psycopg2.Binary(row[3]), *row[4:]),
            )
        self.conn.commit()

    def bulk(self, rows: Sequence[Row]) -> None:
        buf = io.StringIO()
        for oid, version, topic, state, recorded_at, prev, digest in rows:
            buf.write(
                f"{oid.hex()}\t{version}\t{_copy_text(topic)}\t\\\\x{state.hex()}"
                f"\t{recorded_at}\t{prev}\t{digest}\n"
            )
        buf.seek(0)
        with self.conn.cursor() as cur:
            cur.copy_expert(f"COPY raw_events ({COLUMNS}) FROM STDIN", buf)
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()


def _copy_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def timed(fn: Any, *args: Any) -> float:
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started

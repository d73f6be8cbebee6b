"""Table creation that is safe when several processes start on an empty database.

``CREATE TABLE`` after a "does it exist?" check races between processes: on
PostgreSQL the loser fails on the catalog's unique index, on SQLite a deferred
transaction cannot upgrade to a write and fails with "database is locked". So
all DDL runs on one connection that first takes the schema lock: a transaction
advisory lock on PostgreSQL, the write lock (``BEGIN IMMEDIATE``) on SQLite.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Final

from sqlalchemy import text

from ticketing.store.datastore import WRITE_OPTION

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from sqlalchemy import Table
    from sqlalchemy.engine import Connection, Engine

#: Key of the PostgreSQL advisory lock held while creating tables ("tkt-ddl").
SCHEMA_LOCK_KEY: Final = 0x746B742D64646C


@contextmanager
def schema_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction holding the schema lock until it commits."""
    with engine.connect() as plain:
        conn = plain.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY}
                )
            yield conn


def create_tables(engine: Engine, tables: Iterable[Table]) -> None:
    """Create the tables that do not exist yet, one process at a time."""
    with schema_transaction(engine) as conn:
        for table in tables:
            table.create(conn, checkfirst=True)

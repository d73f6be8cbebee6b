"""A digest of every table in a database: proves that something wrote nothing."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import MetaData

from ticketing.projections.catchup import catch_up
from ticketing.store.datastore import read_transaction

if TYPE_CHECKING:
    from ticketing.runtime import Runtime


@dataclass(frozen=True, slots=True)
class DatabaseDigest:
    sha256: str
    rows: dict[str, int]


def database_digest(runtime: Runtime) -> DatabaseDigest:
    """SHA-256 over the raw rows of every table (log, projections, indexes...)."""
    metadata = MetaData()
    metadata.reflect(runtime.engine)
    digest = hashlib.sha256()
    rows: dict[str, int] = {}
    with read_transaction(runtime.engine) as conn:
        for table in sorted(metadata.tables.values(), key=lambda t: t.name):
            keys = [c.name for c in table.primary_key.columns] or [
                c.name for c in table.columns
            ]
            order = ", ".join(f'"{k}"' for k in keys)
            result = conn.exec_driver_sql(
                f'SELECT * FROM "{table.name}" ORDER BY {order}'  # noqa: S608 - catalogue names
            )
            count = 0
            digest.update(f"table {table.name}\n".encode())
            for row in result:
                values = tuple(_plain(v) for v in row)
                digest.update(repr(values).encode() + b"\n")
                count += 1
            rows[table.name] = count
    return DatabaseDigest(digest.hexdigest(), rows)


def _plain(value: object) -> object:
    # PostgreSQL returns bytea as memoryview, whose repr shows an address
    return bytes(value).hex() if isinstance(value, memoryview | bytes) else value


def catch_up_projections(runtime: Runtime) -> None:
    host = runtime.projections
    for projection in host.projections.values():
        catch_up(host.source, projection, host.ensure_active(projection))

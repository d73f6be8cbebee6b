"""Deterministic fingerprints of projection content, comparable across backends.

Rows are read in primary-key order and written as canonical JSON (UTC ISO
datetimes, UUIDs as strings, bytes as hex) so that the same content gives the
same digest on SQLite and PostgreSQL and in any generation's tables.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import select

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from sqlalchemy import Table
    from sqlalchemy.engine import Connection


def canonical_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


def logical_name(table: Table, prefix: str) -> str:
    return table.name.removeprefix(prefix).lstrip("_")


def canonical_rows(conn: Connection, table: Table) -> Iterator[dict[str, object]]:
    query = select(table).order_by(*table.primary_key.columns)
    for row in conn.execution_options(yield_per=2000).execute(query):
        yield {k: canonical_value(v) for k, v in row._mapping.items()}


@dataclass(frozen=True, slots=True)
class Digest:
    """SHA-256 over every digest table's rows, and the row count per table."""

    sha256: str
    rows: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "rows": self.rows}


def digest_tables(conn: Connection, tables: Sequence[Table], prefix: str) -> Digest:
    digest = hashlib.sha256()
    counts: dict[str, int] = {}
    for table in tables:
        name = logical_name(table, prefix)
        digest.update(f"table:{name}\n".encode())
        count = 0
        for row in canonical_rows(conn, table):
            digest.update(json.dumps(row, sort_keys=True, default=str).encode())
            digest.update(b"\n")
            count += 1
        counts[name] = count
    return Digest(sha256=digest.hexdigest(), rows=counts)


@dataclass(frozen=True, slots=True)
class RowDifference:
    table: str
    key: dict[str, object]
    live: dict[str, object] | None
    rebuilt: dict[str, object] | None


def first_differences(
    live: tuple[Connection, Sequence[Table], str],
    rebuilt: tuple[Connection, Sequence[Table], str],
    limit: int = 5,
) -> list[RowDifference]:
    """Walk both sides in key order and return the first ``limit`` differing rows."""
    found: list[RowDifference] = []
    for live_table, new_table in zip(live[1], rebuilt[1], strict=True):
        name = logical_name(live_table, live[2])
        keys = [c.name for c in live_table.primary_key.columns]
        a = canonical_rows(live[0], live_table)
        b = canonical_rows(rebuilt[0], new_table)
        for diff in _merge_diff(a, b, keys):
            found.append(RowDifference(name, *diff))
            if len(found) >= limit:
                return found
    return found


def _merge_diff(
    a: Iterator[dict[str, object]], b: Iterator[dict[str, object]], keys: list[str]
) -> Iterator[
    tuple[dict[str, object], dict[str, object] | None, dict[str, object] | None]
]:
    def key_of(row: dict[str, object]) -> tuple[Any, ...]:
        # canonical values of one key column share a type (str or int): comparable
        return tuple(row[k] for k in keys)

    x, y = next(a, None), next(b, None)
    while x is not None or y is not None:
        kx = key_of(x) if x is not None else None
        ky = key_of(y) if y is not None else None
        if x is not None and (ky is None or (kx is not None and kx < ky)):
            yield {k: x[k] for k in keys}, x, None
            x = next(a, None)
        elif y is not None and (kx is None or (ky is not None and ky < kx)):
            yield {k: y[k] for k in keys}, None, y
            y = next(b, None)
        else:
            assert x is not None  # noqa: S101 - equal keys: both sides present
            assert y is not None  # noqa: S101
            if x != y:
                yield {k: x[k] for k in keys}, x, y
            x, y = next(a, None), next(b, None)

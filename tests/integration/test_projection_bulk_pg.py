"""On PostgreSQL, COPY stores exactly what SQLAlchemy's INSERT stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import pytest
from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    column,
    create_engine,
    insert,
    select,
    table,
)
from sqlalchemy.exc import StatementError

from ticketing.projections.bulk import PG_COPY_MIN_ROWS, insert_rows
from ticketing.projections.sqltypes import UtcDateTime

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


def _define(prefix: str) -> Table:
    return Table(
        f"{prefix}_rows",
        MetaData(),
        Column("id", Uuid(), primary_key=True),
        Column("n", Integer()),
        Column("big", BigInteger(), nullable=False),
        Column("name", String(64)),
        Column("body", Text()),
        Column("at", UtcDateTime()),
        Column("blob", LargeBinary()),
        Column("ratio", Float()),
    )


def _rows(count: int) -> list[dict[str, Any]]:
    plus_two = timezone(timedelta(hours=2))
    floats = [0.1, 1 / 3, 1e-310, 2.5e300, -7.0, 3, float("inf"), float("-inf"), None]
    texts = ["plain", "tab\there", "new\nline\r", "back\\slash \\N", "é ✓ 😀", "", None]
    return [
        {
            "id": uuid4(),
            "n": None if i % 5 == 0 else i - 3,
            "big": 2**40 + i,
            "name": texts[i % len(texts)],
            "body": texts[(i + 3) % len(texts)],
            "at": None
            if i % 6 == 0
            else datetime(2026, 3, 29, 1, 30, i % 60, 123456, tzinfo=plus_two),
            "blob": None if i % 4 == 0 else bytes([i % 256, 0, 92, 9, 10]),
            "ratio": floats[i % len(floats)],
        }
        for i in range(count)
    ]


def _stored(conn: Connection, t: Table) -> list[tuple[Any, ...]]:
    """The values as stored (untyped columns: no result processing)."""
    raw = table(t.name, *(column(c.name) for c in t.columns))
    return [
        tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
        for row in conn.execute(select(raw).order_by(raw.c.big)).all()
    ]


def test_rows_copied_equal_rows_inserted_by_sqlalchemy(pg_url: str) -> None:
    engine = create_engine(pg_url)
    fast, slow = _define("fast"), _define("slow")
    rows = _rows(PG_COPY_MIN_ROWS + 20)
    try:
        with engine.begin() as conn:
            fast.create(conn)
            slow.create(conn)
            insert_rows(conn, fast, rows)
            conn.execute(insert(slow), rows)
            copied, inserted = _stored(conn, fast), _stored(conn, slow)
            read_back = conn.execute(select(fast).order_by(fast.c.big)).all()
    finally:
        engine.dispose()

    assert copied == inserted
    assert len(copied) == len(rows)
    assert read_back[1].at == rows[1]["at"]
    assert read_back[1].at.tzinfo is UTC


def test_a_value_of_the_wrong_type_fails_as_sqlalchemy_fails(pg_url: str) -> None:
    engine = create_engine(pg_url)
    t = _define("bad")
    rows = _rows(PG_COPY_MIN_ROWS)
    rows[-1]["at"] = datetime(2026, 3, 1)  # noqa: DTZ001 - naive on purpose
    try:
        with engine.begin() as conn:
            t.create(conn)
        with pytest.raises(StatementError, match="aware"), engine.begin() as conn:
            insert_rows(conn, t, rows)
    finally:
        engine.dispose()

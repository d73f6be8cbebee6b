"""The SQLite fast path stores exactly what SQLAlchemy would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

import pytest
from sqlalchemy import (
    MetaData,
    column,
    create_engine,
    insert,
    select,
    table,
    update,
)
from sqlalchemy.exc import StatementError
from sqlalchemy.pool import StaticPool

from ticketing.projections.bulk import insert_rows, update_rows
from ticketing.sla.tables import define_sla_tables


def test_rows_written_by_the_fast_path_equal_sqlalchemy_rows() -> None:
    engine = create_engine("sqlite://", poolclass=StaticPool)
    fast, slow = (
        define_sla_tables(MetaData(), "fast"),
        define_sla_tables(MetaData(), "slow"),
    )
    when = datetime(2026, 3, 29, 1, 30, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    row = {
        "position": 7,
        "version": "v1",
        "sha256": "a" * 64,
        "effective_from": when,
        "activated_at": datetime(2026, 3, 1, tzinfo=UTC),
        "actor_id": "admin",
        "documents": "{}",
    }
    with engine.begin() as conn:
        for tables in (fast, slow):
            tables.policies.create(conn)
        insert_rows(conn, fast.policies, [row])
        conn.execute(insert(slow.policies), [row])
        later = {**row, "version": "v2", "effective_from": when + timedelta(days=1)}
        columns = frozenset({"version", "effective_from"})
        update_rows(conn, fast.policies, [later], ("position",), columns)
        conn.execute(
            update(slow.policies)
            .where(slow.policies.c.position == 7)
            .values(version="v2", effective_from=later["effective_from"])
        )
        # untyped columns: the values exactly as stored
        raw = [
            tuple(
                conn.execute(
                    select(
                        table(t.policies.name, *(column(c.name) for c in t.policies.c))
                    )
                ).one()
            )
            for t in (fast, slow)
        ]
        read = conn.execute(select(fast.policies)).one()

    assert raw[0] == raw[1]
    assert read.version == "v2"
    assert read.effective_from == when + timedelta(days=1)
    assert read.effective_from.tzinfo is UTC


def test_uuids_and_naive_times_are_checked() -> None:
    engine = create_engine("sqlite://", poolclass=StaticPool)
    tables = define_sla_tables(MetaData(), "t")
    with engine.begin() as conn:
        tables.tickets.create(conn)
        row: dict[str, object] = {c.name: None for c in tables.tickets.c}
        row.update(ticket_id="not-a-uuid")
        with pytest.raises(TypeError):
            insert_rows(conn, tables.tickets, [row])
        row.update(ticket_id=uuid4(), opened_at=datetime(2026, 3, 1))  # noqa: DTZ001
        with pytest.raises(ValueError, match="aware"):
            insert_rows(conn, tables.tickets, [row])


def test_sla_instants_bind_in_utc_and_refuse_naive_times() -> None:
    engine = create_engine("sqlite://", poolclass=StaticPool)
    tables = define_sla_tables(MetaData(), "i")
    plus_two = timezone(timedelta(hours=2))
    with engine.begin() as conn:
        tables.policies.create(conn)
        row = {
            "position": 1,
            "version": "v",
            "sha256": "0" * 64,
            "effective_from": datetime(2026, 3, 1, 12, tzinfo=plus_two),
            "activated_at": datetime(2026, 3, 1, tzinfo=UTC),
            "actor_id": "a",
            "documents": "{}",
        }
        conn.execute(insert(tables.policies), [row])
        found = conn.execute(
            select(tables.policies.c.position).where(
                tables.policies.c.effective_from == datetime(2026, 3, 1, 10, tzinfo=UTC)
            )
        ).scalar_one()
        with pytest.raises(StatementError, match="aware"):
            conn.execute(
                select(tables.policies).where(
                    tables.policies.c.effective_from == datetime(2026, 3, 1)  # noqa: DTZ001 - the point of the test
                )
            )

    assert found == 1

"""Projection writes skip the per-commit fsync on SQLite; event writes never do."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import QueuePool

from ticketing.store.datastore import (
    configure_sqlite,
    view_write_transaction,
    write_transaction,
)

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Connection, Engine

NORMAL, FULL = 1, 2


def _engine(tmp_path: Path) -> Engine:
    # one pooled connection: the view write and the event write share it
    engine = create_engine(
        f"sqlite:///{tmp_path / 'views.db'}", poolclass=QueuePool, pool_size=1
    )
    configure_sqlite(engine, file_db=True)
    with write_transaction(engine) as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    return engine


def _sync(conn: Connection) -> int:
    return int(conn.exec_driver_sql("PRAGMA synchronous").scalar_one())


def test_a_view_write_is_relaxed_and_the_next_event_write_is_full(
    tmp_path: Path,
) -> None:
    engine = _engine(tmp_path)

    with view_write_transaction(engine) as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
        during = _sync(conn)
    with write_transaction(engine) as conn:
        after = _sync(conn)
        conn.execute(text("INSERT INTO t VALUES (2)"))
        rows = conn.execute(text("SELECT count(*) FROM t")).scalar_one()

    assert (during, after, rows) == (NORMAL, FULL, 2)


def test_a_failed_view_write_rolls_back_and_restores_full_sync(
    tmp_path: Path,
) -> None:
    engine = _engine(tmp_path)

    def failing_batch() -> None:
        with view_write_transaction(engine) as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            raise RuntimeError("handler failed")

    with pytest.raises(RuntimeError):
        failing_batch()
    with write_transaction(engine) as conn:
        after = _sync(conn)
        rows = conn.execute(text("SELECT count(*) FROM t")).scalar_one()

    assert (after, rows) == (FULL, 0)


@pytest.mark.integration
@pytest.mark.postgres
def test_on_postgres_only_the_view_transaction_skips_the_commit_flush(
    pg_url: str,
) -> None:
    engine = create_engine(pg_url)
    try:
        with view_write_transaction(engine) as conn:
            during = conn.exec_driver_sql("SHOW synchronous_commit").scalar_one()
        with write_transaction(engine) as conn:
            after = conn.exec_driver_sql("SHOW synchronous_commit").scalar_one()
    finally:
        engine.dispose()

    assert (during, after) == ("off", "on")

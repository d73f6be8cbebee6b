"""The SQLite writer gate: one writer per process, released however a write ends."""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine, text

from ticketing.store.datastore import (
    configure_sqlite,
    read_transaction,
    write_transaction,
)
from ticketing.store.writegate import WriteGate

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Engine


def _engine(tmp_path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{tmp_path / 'gate.db'}")
    configure_sqlite(engine, file_db=True)
    with write_transaction(engine) as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    return engine


def _count(engine: Engine) -> int:
    with read_transaction(engine) as conn:
        return int(conn.execute(text("SELECT count(*) FROM t")).scalar_one())


def test_concurrent_writers_all_commit_once(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    errors: list[BaseException] = []

    def writer(i: int) -> None:
        try:
            for j in range(20):
                with write_transaction(engine) as conn:
                    conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": i * 100 + j})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert errors == []
    assert _count(engine) == 160
    engine.dispose()


def test_a_failed_write_releases_the_gate(tmp_path: Path) -> None:
    engine = _engine(tmp_path)

    def failing_write() -> None:
        with write_transaction(engine) as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            raise RuntimeError

    with pytest.raises(RuntimeError):
        failing_write()

    started = time.monotonic()
    with write_transaction(engine) as conn:
        conn.execute(text("INSERT INTO t VALUES (2)"))
    assert time.monotonic() - started < 1
    assert _count(engine) == 1
    engine.dispose()


def test_an_invalidated_writer_releases_the_gate(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    conn = engine.connect().execution_options(ticketing_write=True)
    conn.begin()
    conn.execute(text("INSERT INTO t VALUES (1)"))
    conn.invalidate()  # e.g. the driver reported the connection broken
    conn.close()

    with write_transaction(engine) as other:
        other.execute(text("INSERT INTO t VALUES (2)"))
    assert _count(engine) == 1
    engine.dispose()


def test_readers_do_not_wait_for_the_gate(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    with write_transaction(engine) as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
        done: list[int] = []
        reader = threading.Thread(target=lambda: done.append(_count(engine)))
        reader.start()
        reader.join(5)
        assert done == [0]  # the snapshot before this write, without waiting
    engine.dispose()


def test_a_writer_that_never_ends_makes_others_time_out(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'g.db'}")
    gate = WriteGate(engine, timeout_seconds=0.1)
    held = object()
    gate.acquire(held)

    with pytest.raises(sqlite3.OperationalError, match="no write turn"):
        gate.acquire(object())
    gate.release(object())  # not the holder: no effect
    with pytest.raises(sqlite3.OperationalError):
        gate.acquire(object())
    gate.release(held)
    gate.acquire(object())
    engine.dispose()

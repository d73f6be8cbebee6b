"""Tamper with a stored log DIRECTLY in SQL, the way an intruder with DB access would.

Every helper opens its own engine on the database URL and issues plain SQL
against ``ticketing_events``, bypassing the recorder and the service.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import sqlalchemy
from sqlalchemy import text

from ticketing.store.chain import event_hash

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.engine import Connection

INSERT_ROW = text(
    "INSERT INTO ticketing_events (id, originator_id, originator_version, topic, "
    "state, recorded_at, prev_hash, hash) VALUES (:id, :originator_id, "
    ":originator_version, :topic, :state, :recorded_at, :prev_hash, :hash)"
)
OFFSET = 1_000_000


@contextmanager
def sql(url: str) -> Iterator[Connection]:
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def _row(conn: Connection, position: int) -> dict[str, Any]:
    row = conn.execute(
        text("SELECT * FROM ticketing_events WHERE id = :p"), {"p": position}
    ).one()
    return dict(row._mapping)


def _uuid(raw: object) -> uuid.UUID:
    if isinstance(raw, bytes | memoryview):
        return uuid.UUID(bytes=bytes(raw))
    return uuid.UUID(str(raw))


def _hash_of(row: dict[str, Any], position: int, prev_hash: str) -> str:
    return event_hash(
        prev_hash,
        position,
        _uuid(row["originator_id"]),
        int(row["originator_version"]),
        row["topic"],
        bytes(row["state"]),
        row["recorded_at"],
    )


def edit_state_byte(url: str, position: int) -> None:
    """Change one byte of the stored payload (a letter of a value, JSON stays valid)."""
    with sql(url) as conn:
        state = bytearray(_row(conn, position)["state"])
        at = state.index(b'"_data_":"') + len(b'"_data_":"') + 2  # inside timestamp
        state[at] = ord("9") if state[at] != ord("9") else ord("8")
        conn.execute(
            text("UPDATE ticketing_events SET state = :s WHERE id = :p"),
            {"s": bytes(state), "p": position},
        )


def delete_event(url: str, position: int) -> None:
    with sql(url) as conn:
        conn.execute(
            text("DELETE FROM ticketing_events WHERE id = :p"), {"p": position}
        )


def truncate_after(url: str, position: int) -> None:
    with sql(url) as conn:
        conn.execute(
            text("DELETE FROM ticketing_events WHERE id > :p"), {"p": position}
        )


def swap_rows(url: str, i: int, j: int) -> None:
    """Swap two whole rows (hashes included): the events change places."""
    with sql(url) as conn:
        move = text("UPDATE ticketing_events SET id = :new WHERE id = :old")
        conn.execute(move, {"new": -1, "old": i})
        conn.execute(move, {"new": i, "old": j})
        conn.execute(move, {"new": j, "old": -1})


def swap_contents(url: str, i: int, j: int) -> None:
    """Swap the events' contents; positions, store times and hashes stay put."""
    with sql(url) as conn:
        a, b = _row(conn, i), _row(conn, j)
        put = text(
            "UPDATE ticketing_events SET originator_id = :oid, "
            "originator_version = :v, topic = :topic, state = :state WHERE id = :p"
        )
        conn.execute(
            text("UPDATE ticketing_events SET originator_version = :v WHERE id = :p"),
            {"v": -OFFSET, "p": i},
        )
        for target, src in ((j, a), (i, b)):
            conn.execute(
                put,
                {
                    "oid": src["originator_id"],
                    "v": src["originator_version"],
                    "topic": src["topic"],
                    "state": src["state"],
                    "p": target,
                },
            )


def insert_copy(url: str, after: int, source: int, *, chained: bool) -> int:
    """Slip a forged copy of ``source`` in after ``after``; return its position.

    Later rows are renumbered up by one. With ``chained`` the forger links and
    hashes the new row correctly (it knows the algorithm); otherwise it copies
    the source's hashes.
    """
    position = after + 1
    with sql(url) as conn:
        src = _row(conn, source)
        shift = text("UPDATE ticketing_events SET id = id + :d WHERE id > :p")
        conn.execute(shift, {"d": OFFSET, "p": after})
        conn.execute(shift, {"d": 1 - OFFSET, "p": OFFSET})
        forged = {
            **src,
            "id": position,
            "originator_version": src["originator_version"] + 1000,
        }
        if chained:
            prev = _row(conn, after)["hash"] if after else "0" * 64
            forged["prev_hash"] = prev
            forged["hash"] = _hash_of(forged, position, prev)
        _insert(conn, forged)
    return position


def append_copy(url: str, source: int) -> int:
    """Append a verbatim copy of ``source`` (same hashes, other version) at the tail."""
    with sql(url) as conn:
        head = conn.execute(text("SELECT max(id) FROM ticketing_events")).scalar_one()
        src = _row(conn, source)
        _insert(
            conn,
            {
                **src,
                "id": head + 1,
                "originator_version": src["originator_version"] + 1000,
            },
        )
        return int(head) + 1


def _insert(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(INSERT_ROW, row)


def rewrite_from(url: str, position: int) -> None:
    """Edit an event and recompute every later hash: the chain verifies again."""
    edit_state_byte(url, position)
    with sql(url) as conn:
        rows = conn.execute(
            text("SELECT * FROM ticketing_events WHERE id >= :p ORDER BY id"),
            {"p": position},
        ).all()
        prev = _row(conn, position - 1)["hash"] if position > 1 else "0" * 64
        for raw in rows:
            row = dict(raw._mapping)
            digest = _hash_of(row, row["id"], prev)
            conn.execute(
                text(
                    "UPDATE ticketing_events SET prev_hash = :prev, hash = :h "
                    "WHERE id = :p"
                ),
                {"prev": prev, "h": digest, "p": row["id"]},
            )
            prev = digest

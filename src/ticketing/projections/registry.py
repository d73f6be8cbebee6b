"""The projection registry: one row per projection generation, holding its checkpoint.

A *generation* is one physical build of a projection into its own tables
(``pv_<key>_g<n>_*``). Exactly one generation per key is ``active`` (queries
read it); a rebuild fills a ``building`` one from position 0 while the active
one keeps serving, then ``activate`` flips both rows in one transaction.

The checkpoint (``position``) only moves by compare-and-set in the same
transaction as the projection's rows, so a batch is applied exactly once even
if two runners race: the loser's transaction finds ``rowcount == 0`` and rolls
back. The library's tracking table is not used (it has no database guard).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    update,
)

from ticketing.projections.sqltypes import UtcDateTime
from ticketing.store.schema import schema_transaction

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.engine import Connection, Engine

Status = Literal["building", "active", "retired"]

metadata = MetaData()

registry_table = Table(
    "ticketing_projections",
    metadata,
    Column("key", String(96), primary_key=True),
    Column("generation", Integer(), primary_key=True),
    Column("code_version", Integer(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("position", BigInteger(), nullable=False),
    Column("events_processed", BigInteger(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("activated_at", UtcDateTime()),
    Column("heartbeat_at", UtcDateTime()),
    Column("runner_id", String(128)),
    Column("rate", Float()),
    Column("error_message", Text()),
    Column("error_position", BigInteger()),
    Column("error_topic", Text()),
    Column("error_at", UtcDateTime()),
    Column("interruptions", Integer(), nullable=False),
    Column("last_interruption", Text()),
    Column("last_interruption_at", UtcDateTime()),
)

_SLUG: Final = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Generation:
    """One row of the registry."""

    key: str
    generation: int
    code_version: int
    status: Status
    position: int
    events_processed: int
    created_at: datetime
    activated_at: datetime | None
    heartbeat_at: datetime | None
    runner_id: str | None
    rate: float | None
    error_message: str | None
    error_position: int | None
    error_topic: str | None
    error_at: datetime | None
    interruptions: int
    last_interruption: str | None
    last_interruption_at: datetime | None

    @property
    def table_prefix(self) -> str:
        return table_prefix(self.key, self.generation)

    @property
    def failed(self) -> bool:
        return self.error_message is not None


def table_prefix(key: str, generation: int) -> str:
    slug = _SLUG.sub("_", key.lower()).strip("_")
    return f"pv_{slug}_g{generation}"


def ensure_registry(engine: Engine) -> None:
    # under the schema lock: processes starting together on an empty database
    with schema_transaction(engine) as conn:
        metadata.create_all(conn, checkfirst=True)


def _row(row: Any) -> Generation:
    return Generation(**row._asdict())


def _select_one(conn: Connection, key: str, where: Any) -> Generation | None:
    t = registry_table.c
    row = conn.execute(
        select(registry_table)
        .where(t.key == key, where)
        .order_by(t.generation.desc())
        .limit(1)
    ).first()
    return None if row is None else _row(row)


def get_active(conn: Connection, key: str) -> Generation | None:
    return _select_one(conn, key, registry_table.c.status == "active")


def get_building(conn: Connection, key: str) -> Generation | None:
    return _select_one(conn, key, registry_table.c.status == "building")


def get_generation(conn: Connection, key: str, generation: int) -> Generation | None:
    return _select_one(conn, key, registry_table.c.generation == generation)


def list_generations(conn: Connection) -> list[Generation]:
    t = registry_table.c
    rows = conn.execute(select(registry_table).order_by(t.key, t.generation))
    return [_row(r) for r in rows]


def create_generation(
    conn: Connection, key: str, code_version: int, status: Status, now: datetime
) -> Generation:
    t = registry_table.c
    last = conn.execute(select(func.max(t.generation)).where(t.key == key)).scalar()
    generation = int(last or 0) + 1
    conn.execute(
        insert(registry_table).values(
            key=key,
            generation=generation,
            code_version=code_version,
            status=status,
            position=0,
            events_processed=0,
            created_at=now,
            activated_at=now if status == "active" else None,
            interruptions=0,
        )
    )
    found = get_generation(conn, key, generation)
    assert found is not None  # noqa: S101 - just inserted in this transaction
    return found


def advance(
    conn: Connection,
    gen: Generation,
    old_position: int,
    new_position: int,
    events: int,
) -> bool:
    """Compare-and-set the checkpoint; False if someone else moved it first."""
    t = registry_table.c
    result = conn.execute(
        update(registry_table)
        .where(
            t.key == gen.key,
            t.generation == gen.generation,
            t.position == old_position,
        )
        .values(
            position=new_position,
            events_processed=t.events_processed + events,
        )
    )
    return result.rowcount == 1


def set_fields(conn: Connection, key: str, generation: int, **values: Any) -> None:
    t = registry_table.c
    conn.execute(
        update(registry_table)
        .where(t.key == key, t.generation == generation)
        .values(**values)
    )


def record_interruption(
    conn: Connection,
    key: str,
    generation: int,
    message: str,
    now: datetime,
    *,
    count: int = 1,
) -> None:
    t = registry_table.c
    conn.execute(
        update(registry_table)
        .where(t.key == key, t.generation == generation)
        .values(
            interruptions=t.interruptions + count,
            last_interruption=message[:2000],
            last_interruption_at=now,
        )
    )


def activate(conn: Connection, key: str, generation: int, now: datetime) -> None:
    """Make ``generation`` the one queries read; the previous active one retires."""
    t = registry_table.c
    conn.execute(
        update(registry_table)
        .where(t.key == key, t.status == "active", t.generation != generation)
        .values(status="retired")
    )
    set_fields(conn, key, generation, status="active", activated_at=now)


def delete_generation(conn: Connection, key: str, generation: int) -> None:
    t = registry_table.c
    conn.execute(
        registry_table.delete().where(t.key == key, t.generation == generation)
    )

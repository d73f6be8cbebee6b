"""The webhook outbox: rule decisions to call a URL, and every delivery attempt.

The rules processor writes one row per (triggering event, rule) with a
deterministic id, so re-processing an event never enqueues twice. A delivery
worker (``rules.delivery``) claims due rows with a lease, POSTs them, and
records each attempt. The outbox is operational state, not a projection: the
ticket's own events never depend on it, and a failing URL never blocks them.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from ticketing.ids import NAMESPACE
from ticketing.projections.sqltypes import UtcDateTime
from ticketing.store.datastore import read_transaction, write_transaction
from ticketing.store.schema import schema_transaction

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from sqlalchemy.engine import Connection, Engine

Status = Literal["pending", "delivered", "failed"]
STATUSES: Final[tuple[Status, ...]] = ("pending", "delivered", "failed")

metadata = MetaData()

outbox_table = Table(
    "ticketing_webhook_outbox",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("ticket_id", String(36), nullable=False),
    Column("ticket_number", String(32), nullable=False),
    Column("trigger", String(200), nullable=False),
    Column("rule_id", String(64), nullable=False),
    Column("rule_set_version", String(128), nullable=False),
    Column("name", String(128), nullable=False),
    Column("url", Text(), nullable=False),
    Column("payload", Text(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer(), nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("lease_until", UtcDateTime()),
    Column("last_status", Integer()),
    Column("last_error", Text()),
    Column("finished_at", UtcDateTime()),
)

attempts_table = Table(
    "ticketing_webhook_attempts",
    metadata,
    Column("outbox_id", String(36), primary_key=True),
    Column("attempt", Integer(), primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("seconds", Float(), nullable=False),
    Column("status_code", Integer()),
    Column("error", Text()),
    Column("outcome", String(16), nullable=False),
)


def create_webhook_tables(engine: Engine) -> None:
    with schema_transaction(engine) as conn:
        metadata.create_all(conn, checkfirst=True)


def delivery_id(origin: str, rule_id: str) -> str:
    """The outbox id of a rule's webhook for one trigger (event id or timer key)."""
    return str(uuid.uuid5(NAMESPACE, f"webhook:{origin}:{rule_id}"))


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """A rule's decision to call a webhook, with the payload it will send."""

    id: str
    created_at: datetime
    ticket_id: str
    ticket_number: str
    trigger: str
    rule_id: str
    rule_set_version: str
    name: str
    url: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One outbox row as stored."""

    id: str
    created_at: datetime
    ticket_id: str
    ticket_number: str
    trigger: str
    rule_id: str
    rule_set_version: str
    name: str
    url: str
    payload: str
    status: str
    attempts: int
    next_attempt_at: datetime
    lease_until: datetime | None
    last_status: int | None
    last_error: str | None
    finished_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__slots__ if k != "payload"}
        return {
            k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in out.items()
        }


class OutboxSink:
    """Writes webhook requests to the outbox; a repeated id is ignored."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        create_webhook_tables(engine)

    def enqueue(self, request: WebhookRequest) -> bool:
        """True if the row is new (False: this delivery was already enqueued)."""
        values = {
            "id": request.id,
            "created_at": request.created_at,
            "ticket_id": request.ticket_id,
            "ticket_number": request.ticket_number,
            "trigger": request.trigger,
            "rule_id": request.rule_id,
            "rule_set_version": request.rule_set_version,
            "name": request.name,
            "url": request.url,
            "payload": json.dumps(request.payload, sort_keys=True, default=str),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": request.created_at,
        }
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(outbox_table).values(**values)
        with write_transaction(self.engine) as conn:
            result = conn.execute(statement.on_conflict_do_nothing())
        return bool(result.rowcount)


def claim_due(
    engine: Engine, now: datetime, lease: timedelta, limit: int
) -> list[OutboxRow]:
    """Pending rows due at ``now``, each leased to the caller by compare-and-set."""
    t = outbox_table.c
    free = or_(t.lease_until.is_(None), t.lease_until < now)
    due = and_(t.status == "pending", t.next_attempt_at <= now, free)
    claimed: list[OutboxRow] = []
    with write_transaction(engine) as conn:
        rows = conn.execute(
            select(outbox_table).where(due).order_by(t.next_attempt_at).limit(limit)
        ).all()
        for row in rows:
            taken = conn.execute(
                update(outbox_table)
                .where(t.id == row.id, t.attempts == row.attempts, due)
                .values(lease_until=now + lease)
            )
            if taken.rowcount:
                claimed.append(OutboxRow(**row._asdict()))
    return claimed


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one delivery attempt gave; ``next_at`` is None once it is final."""

    at: datetime
    seconds: float
    status_code: int | None
    error: str | None
    outcome: Status
    next_at: datetime | None


def record_attempt(engine: Engine, row: OutboxRow, attempt: Attempt) -> None:
    """Store the attempt and move the row on (delivered, failed or retry later)."""
    number = row.attempts + 1
    t = outbox_table.c
    final = attempt.outcome != "pending"
    with write_transaction(engine) as conn:
        conn.execute(
            attempts_table.insert().values(
                outbox_id=row.id,
                attempt=number,
                at=attempt.at,
                seconds=attempt.seconds,
                status_code=attempt.status_code,
                error=attempt.error,
                outcome="retry" if not final else attempt.outcome,
            )
        )
        conn.execute(
            update(outbox_table)
            .where(t.id == row.id, t.attempts == row.attempts)
            .values(
                attempts=number,
                status=attempt.outcome,
                lease_until=None,
                last_status=attempt.status_code,
                last_error=attempt.error,
                next_attempt_at=attempt.next_at or attempt.at,
                finished_at=attempt.at if final else None,
            )
        )


def list_outbox(
    engine: Engine, status: str | None = None, limit: int = 100
) -> list[OutboxRow]:
    """Newest first; all statuses unless ``status`` is given."""
    t = outbox_table.c
    query = select(outbox_table).order_by(t.created_at.desc(), t.id).limit(limit)
    if status is not None:
        query = query.where(t.status == status)
    with read_transaction(engine) as conn:
        return [OutboxRow(**row._asdict()) for row in conn.execute(query)]


def attempts_of(conn: Connection, outbox_id: str) -> list[dict[str, Any]]:
    t = attempts_table.c
    rows = conn.execute(
        select(attempts_table).where(t.outbox_id == outbox_id).order_by(t.attempt)
    )
    return [dict(row._mapping) for row in rows]

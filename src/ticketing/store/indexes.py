"""Write-side index tables, written in the same transaction as the events.

``ticketing_commands`` makes commands idempotent (command id -> first result),
``ticketing_ticket_numbers`` resolves human numbers to ticket ids and keeps them
unique, ``ticketing_counters`` hands out the next number per type without gaps.
All three can be rebuilt from the log (see docs/event-log.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    bindparam,
    insert,
    select,
    update,
)

from ticketing.aggregates.vocabulary import (
    NUMBER_PREFIX,
    TicketType,
    format_number,
)
from ticketing.errors import ConflictError, IdempotencyConflictError
from ticketing.store.schema import schema_transaction

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

metadata = MetaData()

commands_table = Table(
    "ticketing_commands",
    metadata,
    Column("command_id", String(128), primary_key=True),
    Column("command_name", String(64), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("aggregate_id", Uuid(), nullable=False),
    Column("reference", String(128), nullable=False),
    Column("version", Integer(), nullable=False),
    Column("first_position", BigInteger(), nullable=False),
    Column("last_position", BigInteger(), nullable=False),
    Column("event_count", Integer(), nullable=False),
)

ticket_numbers_table = Table(
    "ticketing_ticket_numbers",
    metadata,
    Column("number", String(32), primary_key=True),
    Column("ticket_id", Uuid(), nullable=False, unique=True),
)

counters_table = Table(
    "ticketing_counters",
    metadata,
    Column("name", String(16), primary_key=True),
    Column("value", BigInteger(), nullable=False),
)


@dataclass(frozen=True, slots=True)
class CommandRecord:
    """What a command produced, kept so that a retry returns the same answer."""

    command_id: str
    command_name: str
    fingerprint: str
    #: The aggregate the command changed, and its human reference (ticket
    #: number, agent id, group id, policy kind).
    aggregate_id: UUID
    reference: str
    version: int
    first_position: int
    last_position: int
    event_count: int

    def check_same(self, fingerprint: str) -> CommandRecord:
        if fingerprint != self.fingerprint:
            raise IdempotencyConflictError(
                f"command id {self.command_id!r} was already used for a different "
                f"command ({self.command_name} on {self.reference})",
                {"command_id": self.command_id, "reference": self.reference},
            )
        return self


def create_index_tables(engine: Engine) -> None:
    with schema_transaction(engine) as conn:
        metadata.create_all(conn, checkfirst=True)
        existing = set(conn.execute(select(counters_table.c.name)).scalars())
        for prefix in NUMBER_PREFIX.values():
            if prefix not in existing:
                conn.execute(insert(counters_table).values(name=prefix, value=0))


# Prepared once: building a statement per call cost more than running it.
_FIND_COMMAND = select(commands_table).where(
    commands_table.c.command_id == bindparam("command_id")
)
_RECORD_COMMAND = insert(commands_table)
_NEXT_NUMBER = (
    update(counters_table)
    .where(counters_table.c.name == bindparam("prefix"))
    .values(value=counters_table.c.value + 1)
    .returning(counters_table.c.value)
)
_REGISTER_NUMBER = insert(ticket_numbers_table)
_TICKET_BY_NUMBER = select(ticket_numbers_table.c.ticket_id).where(
    ticket_numbers_table.c.number == bindparam("number")
)
_NUMBER_OF_TICKET = select(ticket_numbers_table.c.number).where(
    ticket_numbers_table.c.ticket_id == bindparam("ticket_id")
)


def find_command(conn: Connection, command_id: str) -> CommandRecord | None:
    row = conn.execute(_FIND_COMMAND, {"command_id": command_id}).first()
    return None if row is None else CommandRecord(**row._asdict())


def record_command(conn: Connection, record: CommandRecord) -> None:
    values = {
        name: getattr(record, name) for name in CommandRecord.__dataclass_fields__
    }
    conn.execute(_RECORD_COMMAND, values)


def allocate_number(conn: Connection, ticket_type: TicketType) -> str:
    """Next number for the type; rolls back with the transaction, so no gaps."""
    prefix = NUMBER_PREFIX[ticket_type]
    value = conn.execute(_NEXT_NUMBER, {"prefix": prefix}).scalar_one()
    return format_number(ticket_type, int(value))


def claim_number(conn: Connection, ticket_type: TicketType, number: str) -> None:
    """Reserve a number given by an import; later numbers continue above it."""
    if find_ticket_by_number(conn, number) is not None:
        raise ConflictError(
            f"ticket number {number} is already in use", {"number": number}
        )
    prefix = NUMBER_PREFIX[ticket_type]
    digits = number.removeprefix(prefix)
    if number.startswith(prefix) and digits.isdigit():
        c = counters_table.c
        conn.execute(
            update(counters_table)
            .where(c.name == prefix, c.value < int(digits))
            .values(value=int(digits))
        )


def register_number(conn: Connection, number: str, ticket_id: UUID) -> None:
    conn.execute(_REGISTER_NUMBER, {"number": number, "ticket_id": ticket_id})


def find_ticket_by_number(conn: Connection, number: str) -> UUID | None:
    value = conn.execute(_TICKET_BY_NUMBER, {"number": number}).scalar()
    return None if value is None else UUID(str(value))


def find_number(conn: Connection, ticket_id: UUID) -> str | None:
    value = conn.execute(_NUMBER_OF_TICKET, {"ticket_id": ticket_id}).scalar()
    return None if value is None else str(value)

"""Rebuild the write-side indexes (commands, ticket numbers, counters) from events.

Fed the log in position order. Ticket numbers come from ``Ticket.Opened``;
counters are the highest number per prefix; one command record per run of
adjacent events carrying the same command id (a command's events are appended
together), with the aggregate's reference as the service computes it from the
aggregate as created. Memory grows with the number of aggregates, not events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from ticketing.aggregates.envelope import Envelope
from ticketing.aggregates.ticket import Ticket
from ticketing.aggregates.vocabulary import NUMBER_PREFIX
from ticketing.commands.admin_handlers import reference_of
from ticketing.store import indexes
from ticketing.store.portable import PortableLogError

if TYPE_CHECKING:
    from eventsourcing.persistence import Mapper
    from sqlalchemy.engine import Connection

    from ticketing.store.records import LogRecord

#: Name and fingerprint of a command whose events predate them in the envelope.
UNKNOWN: Final = "unknown"


@dataclass(slots=True)
class _Command:
    line: int
    command_id: str
    command_name: str
    fingerprint: str
    aggregate_id: UUID
    reference: str
    version: int
    first_position: int
    last_position: int
    event_count: int

    def row(self) -> dict[str, Any]:
        return {
            name: getattr(self, name)
            for name in indexes.CommandRecord.__dataclass_fields__
        }


@dataclass(slots=True)
class _Aggregate:
    version: int
    reference: str


class IndexRebuilder:
    """Accumulates index rows while events stream by; ``flush`` writes them."""

    def __init__(self, mapper: Mapper[Any]) -> None:
        self.mapper = mapper
        self.aggregates: dict[UUID, _Aggregate] = {}
        self.numbers: dict[str, int] = {}
        self.counters: dict[str, int] = dict.fromkeys(NUMBER_PREFIX.values(), 0)
        self.current: _Command | None = None
        self.pending_commands: list[_Command] = []
        self.pending_numbers: list[dict[str, Any]] = []
        self.commands = 0

    def add(self, line: int, row: LogRecord) -> None:
        raw_id = row.originator_id
        oid = raw_id if isinstance(raw_id, UUID) else UUID(str(raw_id))
        known = self.aggregates.get(oid)
        expected = 1 if known is None else known.version + 1
        if row.originator_version != expected:
            raise PortableLogError.at(
                line,
                f"version {row.originator_version} of aggregate {oid} where "
                f"version {expected} was due (versions must run 1, 2, 3, ...)",
                position=row.id,
            )
        event = self._decode(line, row, oid)
        if known is None:
            reference = self._reference(line, event, oid)
            known = self.aggregates[oid] = _Aggregate(0, reference)
        known.version = row.originator_version
        meta = getattr(event, "meta", None)
        if isinstance(meta, Envelope):
            self._command(line, row, oid, meta, known)

    def _decode(self, line: int, row: LogRecord, oid: UUID) -> object:
        stored = StoredEvent(oid, row.originator_version, row.topic, row.state)
        try:
            return self.mapper.to_domain_event(stored)
        except Exception as exc:  # any decoding failure is bad input
            raise PortableLogError.at(
                line,
                f"cannot decode the event at position {row.id} "
                f"(topic {row.topic!r}): {type(exc).__name__}: {exc}",
                position=row.id,
            ) from None

    def _reference(self, line: int, event: object, oid: UUID) -> str:
        """What ``reference_of`` says of the aggregate as its first event made it."""
        if isinstance(event, Ticket.Opened):
            self._number(line, event)
        mutate = getattr(event, "mutate", None)
        try:
            created = None if mutate is None else mutate(None)
        except Exception:  # not a creation event: the service's fallback applies
            created = None
        return reference_of(created) if isinstance(created, Aggregate) else str(oid)

    def _number(self, line: int, event: Ticket.Opened) -> None:
        number = event.number
        if number in self.numbers:
            raise PortableLogError.at(
                line,
                f"ticket number {number} was already opened at line "
                f"{self.numbers[number]}",
            )
        self.numbers[number] = line
        self.pending_numbers.append(
            {"number": number, "ticket_id": event.originator_id}
        )
        prefix = NUMBER_PREFIX[event.type]
        digits = number.removeprefix(prefix)
        if number.startswith(prefix) and digits.isdigit():
            self.counters[prefix] = max(self.counters[prefix], int(digits))

    def _command(
        self, line: int, row: LogRecord, oid: UUID, meta: Envelope, agg: _Aggregate
    ) -> None:
        cur = self.current
        if cur is not None and (cur.command_id, cur.aggregate_id) == (
            meta.command_id,
            oid,
        ):
            cur.version, cur.last_position = row.originator_version, row.id
            cur.event_count += 1
            return
        if cur is not None:
            self.pending_commands.append(cur)
        self.current = _Command(
            line=line,
            command_id=meta.command_id,
            command_name=meta.command_name or UNKNOWN,
            fingerprint=meta.command_fingerprint or UNKNOWN,
            aggregate_id=oid,
            reference=agg.reference,
            version=row.originator_version,
            first_position=row.id,
            last_position=row.id,
            event_count=1,
        )

    def flush(self, conn: Connection) -> None:
        """Write the finished numbers and commands (the current one stays open)."""
        if self.pending_numbers:
            conn.execute(insert(indexes.ticket_numbers_table), self.pending_numbers)
            self.pending_numbers = []
        if self.pending_commands:
            self._insert_commands(conn, self.pending_commands)
            self.commands += len(self.pending_commands)
            self.pending_commands = []

    def finish(self, conn: Connection) -> None:
        """Flush everything, then set each counter to its highest number."""
        if self.current is not None:
            self.pending_commands.append(self.current)
            self.current = None
        self.flush(conn)
        c = indexes.counters_table.c
        for prefix, value in self.counters.items():
            conn.execute(
                update(indexes.counters_table)
                .where(c.name == prefix)
                .values(value=value)
            )

    def _insert_commands(self, conn: Connection, batch: list[_Command]) -> None:
        try:
            with conn.begin_nested():
                conn.execute(insert(indexes.commands_table), [b.row() for b in batch])
        except IntegrityError:
            raise self._reused_command(conn, batch) from None

    @staticmethod
    def _reused_command(conn: Connection, batch: list[_Command]) -> PortableLogError:
        t = indexes.commands_table.c
        seen: set[str] = set()
        for cmd in batch:
            earlier = conn.execute(
                select(t.first_position).where(t.command_id == cmd.command_id)
            ).scalar()
            if cmd.command_id in seen or earlier is not None:
                return PortableLogError.at(
                    cmd.line,
                    f"command id {cmd.command_id!r} reappears at position "
                    f"{cmd.first_position}, apart from its first events",
                    position=cmd.first_position,
                )
            seen.add(cmd.command_id)
        return PortableLogError.at(batch[0].line, "the commands index refused a row")

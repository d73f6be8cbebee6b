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
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ticketing.aggregates.envelope import Envelope
from ticketing.aggregates.ticket import Ticket
from ticketing.aggregates.vocabulary import NUMBER_PREFIX
from ticketing.commands.admin_handlers import reference_of
from ticketing.store import bulk_load, indexes
from ticketing.store.import_decoding import ParsedEventDecoder
from ticketing.store.portable import PortableLogError

if TYPE_CHECKING:
    from eventsourcing.persistence import Mapper
    from sqlalchemy.engine import Connection

    from ticketing.store.log_lines import LoadedEvent

#: Name and fingerprint of a command whose events predate them in the envelope.
UNKNOWN: Final = "unknown"
_COMMAND_COLUMNS: Final = (
    "command_id",
    "command_name",
    "fingerprint",
    "aggregate_id",
    "reference",
    "version",
    "first_position",
    "last_position",
    "event_count",
)
_NUMBER_COLUMNS: Final = ("number", "ticket_id")


@dataclass(slots=True)
class _Command:
    line: int
    command_id: str
    command_name: str
    fingerprint: str
    #: canonical text form of the aggregate id
    aggregate_id: str
    reference: str
    version: int
    first_position: int
    last_position: int
    event_count: int


@dataclass(slots=True)
class _Aggregate:
    id: UUID
    version: int
    reference: str


class IndexRebuilder:
    """Accumulates index rows while events stream by; ``flush`` writes them."""

    def __init__(self, mapper: Mapper[Any]) -> None:
        self.decoder = ParsedEventDecoder(mapper)
        #: by the id's canonical text form (one-to-one with the UUID)
        self.aggregates: dict[str, _Aggregate] = {}
        self.numbers: dict[str, int] = {}
        self.counters: dict[str, int] = dict.fromkeys(NUMBER_PREFIX.values(), 0)
        self.current: _Command | None = None
        self.pending_commands: list[_Command] = []
        self.pending_numbers: list[tuple[str, str]] = []
        self.commands = 0

    def add(self, line: int, row: LoadedEvent) -> None:
        key = row.originator_id
        known = self.aggregates.get(key)
        expected = 1 if known is None else known.version + 1
        if row.originator_version != expected:
            oid = UUID(key) if known is None else known.id
            raise PortableLogError.at(
                line,
                f"version {row.originator_version} of aggregate {oid} where "
                f"version {expected} was due (versions must run 1, 2, 3, ...)",
                position=row.position,
            )
        oid = UUID(key) if known is None else known.id
        event = self._decode(line, row, oid)
        if known is None:
            reference = self._reference(line, event, oid)
            known = self.aggregates[key] = _Aggregate(oid, 0, reference)
        known.version = row.originator_version
        meta = getattr(event, "meta", None)
        if isinstance(meta, Envelope):
            self._command(line, row, meta, known)

    def _decode(self, line: int, row: LoadedEvent, oid: UUID) -> object:
        try:
            return self.decoder.to_domain_event(
                row.topic, oid, row.originator_version, row.state, row.parsed_state
            )
        except Exception as exc:  # any decoding failure is bad input
            raise PortableLogError.at(
                line,
                f"cannot decode the event at position {row.position} "
                f"(topic {row.topic!r}): {type(exc).__name__}: {exc}",
                position=row.position,
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
        self.pending_numbers.append((number, str(event.originator_id)))
        prefix = NUMBER_PREFIX[event.type]
        digits = number.removeprefix(prefix)
        if number.startswith(prefix) and digits.isdigit():
            self.counters[prefix] = max(self.counters[prefix], int(digits))

    def _command(
        self, line: int, row: LoadedEvent, meta: Envelope, agg: _Aggregate
    ) -> None:
        cur = self.current
        if (
            cur is not None
            and cur.command_id == meta.command_id
            and cur.aggregate_id == row.originator_id
        ):
            cur.version, cur.last_position = row.originator_version, row.position
            cur.event_count += 1
            return
        if cur is not None:
            self.pending_commands.append(cur)
        self.current = _Command(
            line=line,
            command_id=meta.command_id,
            command_name=meta.command_name or UNKNOWN,
            fingerprint=meta.command_fingerprint or UNKNOWN,
            aggregate_id=row.originator_id,
            reference=agg.reference,
            version=row.originator_version,
            first_position=row.position,
            last_position=row.position,
            event_count=1,
        )

    def take(self) -> tuple[list[tuple[str, str]], list[_Command]]:
        """The finished numbers and commands, handed over for ``write`` (the
        current command stays open: its next event may follow)."""
        numbers, commands = self.pending_numbers, self.pending_commands
        self.pending_numbers, self.pending_commands = [], []
        self.commands += len(commands)
        return numbers, commands

    def flush(self, conn: Connection) -> None:
        """Write the finished numbers and commands (the current one stays open)."""
        self.write(conn, *self.take())

    @classmethod
    def write(
        cls,
        conn: Connection,
        numbers: list[tuple[str, str]],
        commands: list[_Command],
    ) -> None:
        """Insert rows ``take`` handed over; safe on another thread than ``add``."""
        as_stored = bulk_load.uuid_converter(conn)
        if numbers:
            bulk_load.insert_rows(
                conn,
                indexes.ticket_numbers_table.name,
                _NUMBER_COLUMNS,
                [(number, as_stored(ticket)) for number, ticket in numbers],
            )
        if commands:
            cls._insert_commands(conn, commands)

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

    @classmethod
    def _insert_commands(cls, conn: Connection, batch: list[_Command]) -> None:
        as_stored = bulk_load.uuid_converter(conn)
        rows = [
            (
                b.command_id,
                b.command_name,
                b.fingerprint,
                as_stored(b.aggregate_id),
                b.reference,
                b.version,
                b.first_position,
                b.last_position,
                b.event_count,
            )
            for b in batch
        ]
        rows.sort()  # in key order: each index page is visited once per batch
        try:
            with conn.begin_nested():
                bulk_load.insert_rows(
                    conn, indexes.commands_table.name, _COMMAND_COLUMNS, rows
                )
        except IntegrityError:
            raise cls._reused_command(conn, batch) from None

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

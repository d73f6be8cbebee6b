"""A ticket's full history and its state as of a time or version, from the log itself.

No projection is involved: the ticket's events are read from the log, folded
with the aggregate, and described with the same diff as the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from ticketing.aggregates.ticket import ticket_event_topics
from ticketing.errors import InvalidCommandError, TicketNotFoundError
from ticketing.projections.ticket_state import (
    AuditEntry,
    fold_with_entries,
    public_state,
)
from ticketing.store.chain import GENESIS_HASH
from ticketing.store.chain_scan import content_hash

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from ticketing.commands.service import TicketService
    from ticketing.projections.catchup import LogSource
    from ticketing.store.records import LogRecord


#: A history is of a ticket: another aggregate's id is "no such ticket".
_TICKET_TOPICS: Final = frozenset(ticket_event_topics())


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """Whether one stored event still matches its hash and its predecessor's."""

    content: bool
    link: str  # "ok" | "genesis" | "broken"

    @property
    def verified(self) -> bool:
        return self.content and self.link != "broken"

    def as_json(self) -> dict[str, Any]:
        return {
            "status": "verified" if self.verified else "tampered",
            "content": "ok" if self.content else "mismatch",
            "link": self.link,
        }


def check_record(record: LogRecord, predecessor_hash: str | None) -> ChainCheck:
    """Recompute ``record``'s hash and compare its link with the row before it."""
    content = content_hash(record, record.id, record.prev_hash, record.recorded_at)
    if predecessor_hash is None:
        link = "genesis" if record.prev_hash == GENESIS_HASH else "broken"
    else:
        link = "ok" if predecessor_hash == record.prev_hash else "broken"
    return ChainCheck(content=content == record.hash, link=link)


@dataclass(frozen=True, slots=True)
class TicketHistory:
    """Every event of one ticket (up to the as-of point) and the state it leads to."""

    ticket_id: UUID
    number: str
    entries: list[AuditEntry]
    records: list[LogRecord]
    state: dict[str, Any]
    as_of: datetime | None
    as_of_version: int | None
    chain: list[ChainCheck]

    def as_json(self) -> dict[str, Any]:
        """The history with, per event, its chain hashes and their verification."""
        return {
            "ticket_id": str(self.ticket_id),
            "number": self.number,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "as_of_version": self.as_of_version,
            "version": len(self.entries),
            "state": self.state,
            "events": [
                {
                    **e.as_json(),
                    "hash": r.hash,
                    "prev_hash": r.prev_hash,
                    "chain": c.as_json(),
                }
                for e, r, c in zip(self.entries, self.records, self.chain, strict=True)
            ],
        }


def get_history(
    service: TicketService,
    source: LogSource,
    ref: str,
    *,
    as_of: datetime | None = None,
    version: int | None = None,
) -> TicketHistory:
    """History of ticket ``ref`` (number or id), optionally cut at a time or version.

    ``as_of`` cuts on occurred_at (domain time): the state an observer would
    have seen at that instant.
    """
    if as_of is not None and version is not None:
        raise InvalidCommandError.for_fields(
            {"as_of": "give either a time or a version, not both"}
        )
    if version is not None and version < 1:
        raise InvalidCommandError.for_fields({"version": "must be at least 1"})
    ticket_id = service.resolve_ref(ref, check_exists=False)
    chained = source.recorder.select_aggregate_chain(ticket_id)
    if not chained or chained[0][0].topic not in _TICKET_TOPICS:
        raise TicketNotFoundError.for_ref(str(ticket_id))
    records = [record for record, _ in chained]
    events = source.decode(records)
    if as_of is not None:
        events = [e for e in events if e.event.timestamp <= as_of]
    if version is not None:
        events = [e for e in events if e.version <= version]
    if not events:
        raise TicketNotFoundError(
            f"ticket {ref} did not exist at that point",
            {"ticket": ref, "as_of": as_of.isoformat() if as_of else None},
        )
    ticket, entries = fold_with_entries(None, events)
    assert ticket is not None  # noqa: S101 - at least one event folded
    kept = records[: len(entries)]
    chain = [check_record(r, before) for r, before in chained[: len(entries)]]
    return TicketHistory(
        ticket_id=ticket_id,
        number=ticket.number,
        entries=entries,
        records=kept,
        chain=chain,
        state=public_state(ticket),
        as_of=as_of,
        as_of_version=version,
    )

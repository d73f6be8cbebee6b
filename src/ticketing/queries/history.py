"""A ticket's full history and its state as of a time or version, from the log itself.

No projection is involved: the ticket's events are read from the log, folded
with the aggregate, and described with the same diff as the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ticketing.errors import InvalidCommandError, TicketNotFoundError
from ticketing.projections.ticket_state import (
    AuditEntry,
    fold_with_entries,
    public_state,
)

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from ticketing.commands.service import TicketService
    from ticketing.projections.catchup import LogSource
    from ticketing.store.records import LogRecord


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

    def as_json(self) -> dict[str, Any]:
        return {
            "ticket_id": str(self.ticket_id),
            "number": self.number,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "as_of_version": self.as_of_version,
            "version": len(self.entries),
            "state": self.state,
            "events": [
                {**e.as_json(), "hash": r.hash, "prev_hash": r.prev_hash}
                for e, r in zip(self.entries, self.records, strict=True)
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
    ticket_id = service.resolve_ref(ref)
    records = source.recorder.select_aggregate_records(ticket_id)
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
    return TicketHistory(
        ticket_id=ticket_id,
        number=ticket.number,
        entries=entries,
        records=records[: len(entries)],
        state=public_state(ticket),
        as_of=as_of,
        as_of_version=version,
    )

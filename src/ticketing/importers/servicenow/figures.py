"""Figures per incident: the engine's (folded from its stored events) and the source's.

Engine: reassignments = Routed events after the first routing; reopens =
Reopened events; resolved_at = time of the last Resolved not undone by a
reopen; closed_at = time of the Closed event. Source: the last row's
``reassignment_count`` and ``reopen_count`` and the (per-incident constant)
``resolved_at`` and ``closed_at`` columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from ticketing.aggregates.ticket import Ticket
from ticketing.importers.servicenow.source import parse_source_time

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import datetime
    from uuid import UUID

    from ticketing.commands.application import TicketingApplication
    from ticketing.importers.servicenow.source import SourceRow

FIGURES: Final = ("reassignment_count", "reopen_count", "resolved_at", "closed_at")
Value = int | str | None


@dataclass(frozen=True, slots=True)
class Figures:
    reassignment_count: int | None
    reopen_count: int | None
    resolved_at: datetime | None
    closed_at: datetime | None

    def value(self, name: str) -> Value:
        raw = getattr(self, name)
        if raw is None or isinstance(raw, int):
            return raw
        return str(raw.isoformat())


def fold_figures(events: Iterable[object]) -> Figures:
    """The four figures from one ticket's events, oldest first."""
    routes = reopens = 0
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    for event in events:
        if isinstance(event, Ticket.Routed):
            routes += 1
        elif isinstance(event, Ticket.Reopened):
            reopens += 1
            resolved_at = None
        elif isinstance(event, Ticket.Resolved):
            resolved_at = event.timestamp
        elif isinstance(event, Ticket.Closed):
            closed_at = event.timestamp
    return Figures(max(routes - 1, 0), reopens, resolved_at, closed_at)


def engine_figures(app: TicketingApplication, ticket_id: UUID) -> Figures:
    return fold_figures(app.repository.event_store.get(ticket_id))


def _count(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def source_figures(rows: Sequence[SourceRow]) -> Figures:
    """The source's own figures, from its last row (times in the importer's zone)."""
    last = rows[-1]
    zone = last.zone
    return Figures(
        reassignment_count=_count(last.get("reassignment_count")),
        reopen_count=_count(last.get("reopen_count")),
        resolved_at=parse_source_time(last.get("resolved_at"), zone),
        closed_at=parse_source_time(last.get("closed_at"), zone),
    )

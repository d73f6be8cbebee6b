"""One ticket as clients read it: its current state and version, and its comments.

The current state is folded from the ticket's own events (through snapshots),
so it is never behind the log and its version is the one If-Match checks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ticketing.commands.validation import check_name
from ticketing.errors import TicketNotFoundError
from ticketing.projections.ticket_state import public_state

if TYPE_CHECKING:
    from datetime import datetime

    from ticketing.commands.service import TicketService
    from ticketing.queries.history import TicketHistory


@dataclass(frozen=True, slots=True)
class TicketView:
    """The latest state of one ticket and the version it is at."""

    ticket_id: uuid.UUID
    number: str
    version: int
    requester_id: str
    updated_at: datetime
    state: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "ticket_id": str(self.ticket_id),
            "number": self.number,
            "version": self.version,
            "updated_at": self.updated_at.isoformat(),
            "state": self.state,
        }


def ticket_id_for(service: TicketService, ref: str) -> uuid.UUID:
    """The id named by ``ref`` (a UUID is taken as is; a number is looked up)."""
    if check_name(ref) is not None:
        raise TicketNotFoundError.for_ref(ref[:64])
    try:
        return uuid.UUID(ref)
    except ValueError:
        return service.resolve_ref(ref)


def get_ticket(service: TicketService, ref: str) -> TicketView:
    """The ticket named by ``ref`` (number or id) as of now."""
    ticket = service.load(ticket_id_for(service, ref))
    return TicketView(
        ticket_id=ticket.id,
        number=ticket.number,
        version=ticket.version,
        requester_id=ticket.requester_id,
        updated_at=ticket.modified_on,
        state=public_state(ticket),
    )


def list_comments(
    history: TicketHistory, *, include_internal: bool
) -> list[dict[str, Any]]:
    """The ticket's comments in order; internal ones only when asked for."""
    comments: list[dict[str, Any]] = []
    for entry in history.entries:
        if entry.event_type != "CommentAdded":
            continue
        visibility = entry.data.get("visibility")
        if visibility != "public" and not include_internal:
            continue
        comments.append(
            {
                "version": entry.version,
                "position": entry.position,
                "occurred_at": entry.occurred_at.isoformat(),
                "author": entry.envelope.actor.id,
                "author_kind": entry.data.get("author_kind"),
                "visibility": visibility,
                "body": entry.data.get("body"),
            }
        )
    return comments

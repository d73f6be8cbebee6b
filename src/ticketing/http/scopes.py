"""Authorization rules that depend on the command or the ticket, not only the role.

- Requesters see and comment on only tickets whose ``requester_id`` is their
  principal id, and only with public comments.
- A priority override (``priority_override`` on open or change_priority)
  needs the supervisor power ``ticket.override_priority``.
- Moving a ticket *between groups* needs ``ticket.reassign_group``: a route or
  assign is cross-group when the ticket already has a group and the command
  leaves it in a different one (route to another group or to none, assign
  with another group). Routing an ungrouped ticket, routing to another queue
  of the same group, and assigning within the group are not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ticketing.commands import messages as m
from ticketing.http.auth import OVERRIDE_PRIORITY, REASSIGN_GROUP, Principal, allowed
from ticketing.http.errors import ForbiddenError

if TYPE_CHECKING:
    from ticketing.aggregates.ticket import Ticket


def check_visible(principal: Principal, requester_id: str, ref: str) -> None:
    """403 when a requester asks about somebody else's ticket."""
    if principal.is_requester and requester_id != principal.id:
        raise ForbiddenError(
            "requesters can only see and comment on their own tickets",
            {"ticket": ref},
        )


def needs_ticket(principal: Principal, command: m.Command) -> bool:
    """Whether ``check_command`` needs the ticket's current state."""
    if not isinstance(command, m.TicketCommand):
        return False
    if principal.is_requester:
        return True
    moving = isinstance(command, m.RouteTicket | m.AssignTicket)
    return moving and not allowed(principal.role, REASSIGN_GROUP)


def check_command(
    principal: Principal, command: m.Command, ticket: Ticket | None
) -> None:
    """403 when the command needs a power the principal's role does not have."""
    override = isinstance(command, m.OpenTicket | m.ChangePriority) and (
        command.priority_override is not None
    )
    if override and not allowed(principal.role, OVERRIDE_PRIORITY):
        raise ForbiddenError(
            "only supervisors may override a ticket's priority",
            {"field": "priority_override", "role": principal.role},
        )
    if principal.is_requester:
        _check_requester(principal, command, ticket)
    cross = ticket is not None and _cross_group(command, ticket)
    if cross and ticket is not None and not allowed(principal.role, REASSIGN_GROUP):
        raise ForbiddenError(
            f"moving {ticket.number} out of group {ticket.group!r} needs a supervisor",
            {"ticket": ticket.number, "group": ticket.group},
        )


def _check_requester(
    principal: Principal, command: m.Command, ticket: Ticket | None
) -> None:
    if isinstance(command, m.OpenTicket) and command.requester_id != principal.id:
        raise ForbiddenError(
            "requesters open tickets for themselves only",
            {"field": "requester_id", "principal": principal.id},
        )
    if ticket is not None:
        check_visible(principal, ticket.requester_id, ticket.number)
    if isinstance(command, m.AddComment) and command.visibility != "public":
        raise ForbiddenError(
            "requesters can only add public comments", {"field": "visibility"}
        )


def _cross_group(command: m.Command, ticket: Ticket) -> bool:
    if ticket.group is None:
        return False
    if isinstance(command, m.RouteTicket):
        return command.group != ticket.group
    if isinstance(command, m.AssignTicket):
        return command.group is not None and command.group != ticket.group
    return False

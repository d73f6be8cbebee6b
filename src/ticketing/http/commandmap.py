"""Which command each POST route issues, and which fields its JSON body may carry.

The body never carries what the server decides: the command id comes from
the ``Idempotency-Key`` header, the expected version from ``If-Match``, the
ticket from the path; import-only fields (chosen id or number, author kind)
are not accepted over HTTP at all.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Final

from ticketing.commands.messages import COMMANDS

#: Body field -> where the value comes from instead.
SERVER_FIELDS: Final[dict[str, str]] = {
    "command_id": "set by the Idempotency-Key header",
    "expected_version": "set by the If-Match header",
    "ticket_id": "set by the URL path",
}
IMPORT_ONLY_FIELDS: Final = frozenset({"number", "author_kind"})
#: Parser field -> the header that supplied it (for 422 details).
HEADER_FIELDS: Final[dict[str, str]] = {
    "command_id": "Idempotency-Key",
    "expected_version": "If-Match",
}


@dataclass(frozen=True, slots=True)
class CommandRoute:
    command: str
    #: Path below /tickets/{ref}; empty for the collection (open).
    verb: str
    action: str
    summary: str


OPEN_ROUTE: Final = CommandRoute(
    "open_ticket", "", "ticket.open", "Open a ticket (requesters: for themselves)"
)

TICKET_COMMAND_ROUTES: Final = (
    CommandRoute("add_comment", "comments", "ticket.comment", "Add a comment"),
    CommandRoute("route_ticket", "route", "ticket.route", "Route to a queue and group"),
    CommandRoute("assign_ticket", "assign", "ticket.assign", "Assign to an agent"),
    CommandRoute("unassign_ticket", "unassign", "ticket.unassign", "Unassign"),
    CommandRoute(
        "change_priority", "priority", "ticket.priority", "Change impact/urgency"
    ),
    CommandRoute("put_on_hold", "hold", "ticket.hold", "Put on hold"),
    CommandRoute("resume_ticket", "resume", "ticket.resume", "Resume from hold"),
    CommandRoute("escalate_ticket", "escalate", "ticket.escalate", "Escalate"),
    CommandRoute("resolve_ticket", "resolve", "ticket.resolve", "Resolve"),
    CommandRoute("reopen_ticket", "reopen", "ticket.reopen", "Reopen"),
    CommandRoute("close_ticket", "close", "ticket.close", "Close"),
    CommandRoute("cancel_ticket", "cancel", "ticket.cancel", "Cancel"),
    CommandRoute("link_tickets", "link", "ticket.link", "Link to another ticket"),
    CommandRoute("unlink_tickets", "unlink", "ticket.link", "Remove a link"),
    CommandRoute("tag_ticket", "tag", "ticket.tag", "Add a tag"),
    CommandRoute("untag_ticket", "untag", "ticket.tag", "Remove a tag"),
)

ALL_COMMAND_ROUTES: Final = (OPEN_ROUTE, *TICKET_COMMAND_ROUTES)


def body_fields(command: str) -> list[dataclasses.Field[object]]:
    """The command's fields a client may send in the body, in declaration order."""
    cls = COMMANDS[command]
    return [
        f
        for f in dataclasses.fields(cls)
        if f.name not in SERVER_FIELDS and f.name not in IMPORT_ONLY_FIELDS
    ]


def refused_fields(command: str, body: dict[str, object]) -> dict[str, str]:
    """Field -> reason for body fields the client may not set."""
    problems: dict[str, str] = {}
    for key in body:
        if key in IMPORT_ONLY_FIELDS or (
            command == "open_ticket" and key == "ticket_id"
        ):
            problems[key] = "only imports may set it"
        elif key in SERVER_FIELDS:
            problems[key] = SERVER_FIELDS[key]
    return problems

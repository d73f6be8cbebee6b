"""The "new ticket" page: a form for the ``open_ticket`` command, errors by field.

The form sends what the open command takes (type, title, description,
impact, urgency, category, service, configuration item, requester). It goes
through the JSON API's ``execute_as``, so who may open for whom is decided
there: a requester's ticket is opened for themselves (their id is filled in,
as the API does), and a form naming somebody else is refused by the API's
scope rule, not by a copy of it here.

Bad input re-renders the form (422) with the values given and a message at
each field; nothing is stored. The form carries a command id chosen when it
was rendered, so sending it twice (a double click, a reload after a slow
answer) opens one ticket, not two.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from starlette.responses import RedirectResponse

from ticketing.aggregates.vocabulary import PRIORITIES, TICKET_TYPES
from ticketing.commands import messages as m
from ticketing.commands.parsing import parse_command
from ticketing.commands.validation import NAME_MAX, TEXT_MAX, TITLE_MAX
from ticketing.console.actions import form_args
from ticketing.console.pages import page
from ticketing.console.ticket import OPENED
from ticketing.console.web import read_form
from ticketing.errors import (
    IdempotencyConflictError,
    InvalidCommandError,
    TicketingError,
)
from ticketing.http.auth import OVERRIDE_PRIORITY
from ticketing.http.errors import status_for
from ticketing.http.routes_commands import execute_as

if TYPE_CHECKING:
    from starlette.responses import Response

    from ticketing.console.pages import Page

OPEN_FIELDS: Final = (
    "type",
    "title",
    "description",
    "impact",
    "urgency",
    "category",
    "subcategory",
    "service",
    "configuration_item",
    "requester_id",
    "priority_override",
    "priority_override_reason",
)
#: What a fresh form shows.
DEFAULTS: Final = {"type": "incident", "impact": "3", "urgency": "3"}
#: Impact and urgency, as the person filling the form reads them.
LEVELS: Final = ((1, "1: high"), (2, "2: medium"), (3, "3: low"))
MAX_COMMAND_ID: Final = NAME_MAX


def build_open(form: dict[str, str], requester: str | None) -> m.Command:
    """The open command of ``form``; ``requester`` fills in a missing requester id.

    The command id is the form's (chosen when the form was rendered), so a
    form sent twice is one command.
    """
    args = form_args(form, OPEN_FIELDS)
    if requester is not None:
        args.setdefault("requester_id", requester)
    command_id = form.get("command_id", "").strip()
    args["command_id"] = command_id[:MAX_COMMAND_ID] or m.new_command_id()
    return parse_command("open_ticket", args)


def _render(
    p: Page,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    status: int = 200,
) -> Response:
    errors = errors or {}
    shown = set(OPEN_FIELDS)
    if p.user.principal.is_requester:
        shown.discard("requester_id")
    if not p.user.can(OVERRIDE_PRIORITY):
        shown -= {"priority_override", "priority_override_reason"}
    return p.render(
        "new_ticket.html",
        {
            "values": values,
            "errors": errors,
            "problem": problem,
            "types": TICKET_TYPES,
            "levels": LEVELS,
            "priorities": PRIORITIES,
            "limits": {"title": TITLE_MAX, "text": TEXT_MAX, "name": NAME_MAX},
            "command_id": m.new_command_id(),
            "shown": shown,
            # keyboard users land on the first field to fix (else the title)
            "focus": next(
                (k for k in OPEN_FIELDS if k in errors and k in shown), "title"
            ),
        },
        status=status,
    )


def _shown_values(form: dict[str, str]) -> dict[str, str]:
    return {name: form.get(name, "") for name in OPEN_FIELDS}


async def new_ticket_form(p: Page) -> Response:
    p.require("ticket.open")
    return _render(p, {**_shown_values({}), **DEFAULTS})


async def open_ticket(p: Page) -> Response:
    """Check CSRF and role, open the ticket as the signed-in user, show it."""
    form = await read_form(p.request)
    p.user.check_csrf(form)
    p.require("ticket.open")
    principal = p.user.principal
    values = _shown_values(form)
    try:
        command = build_open(form, principal.id if principal.is_requester else None)
        result = await execute_as(p.api, principal, command)
    except InvalidCommandError as exc:
        fields: dict[str, str] = dict(exc.details.get("fields") or {})
        return _render(p, values, fields or {"form": exc.message}, status=422)
    except IdempotencyConflictError as exc:
        # the form was sent before with other values (edited after going back)
        opened = exc.details.get("reference", "a ticket")
        message = (
            f"This form was already used to open {opened}. Nothing new was opened; "
            "check the values below and send the form again to open another ticket."
        )
        return _render(p, values, problem=message, status=409)
    except TicketingError as exc:
        status = status_for(exc)
        if status in (403, 404):
            raise
        return _render(p, values, problem=exc.message, status=status)
    return RedirectResponse(
        f"/console/tickets/{result.number}?done={OPENED}", status_code=303
    )


NEW_TICKET_FORM: Final = page(new_ticket_form)
OPEN_TICKET: Final = page(open_ticket)

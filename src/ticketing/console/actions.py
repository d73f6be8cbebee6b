"""Ticket actions from console forms: which command each form issues, with which fields.

A form names the ticket version its page showed (``version``); it becomes
the command's expected version, so a page that went stale is refused with a
conflict and changes nothing. The command then goes through the same
``execute_as`` as the JSON API: same scope rules, same metrics, same actor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from ticketing.commands.parsing import parse_command
from ticketing.errors import InvalidCommandError
from ticketing.http.commandmap import TICKET_COMMAND_ROUTES
from ticketing.http.routes_commands import execute_as

if TYPE_CHECKING:
    from ticketing.commands import messages as m
    from ticketing.commands.service import CommandResult
    from ticketing.console.pages import Page

INTEGER_FIELDS: Final = frozenset({"impact", "urgency", "level"})
_ACTION_OF: Final = {r.command: r.action for r in TICKET_COMMAND_ROUTES}


@dataclass(frozen=True, slots=True)
class ActionForm:
    """One console form: its verb in the URL, the command, the fields it sends."""

    verb: str
    command: str
    label: str
    fields: tuple[str, ...]

    @property
    def action(self) -> str:
        """The permission the API's route for this command checks."""
        return _ACTION_OF[self.command]


FORMS: Final[dict[str, ActionForm]] = {
    f.verb: f
    for f in (
        ActionForm("comment", "add_comment", "Add comment", ("body", "visibility")),
        ActionForm("route", "route_ticket", "Route to a queue", ("queue", "group")),
        ActionForm("assign", "assign_ticket", "Assign", ("agent_id", "group")),
        ActionForm("unassign", "unassign_ticket", "Unassign", ("reason",)),
        ActionForm("hold", "put_on_hold", "Put on hold", ("reason", "note")),
        ActionForm("resume", "resume_ticket", "Resume", ("note",)),
        ActionForm(
            "priority",
            "change_priority",
            "Change priority",
            ("impact", "urgency", "priority_override", "reason"),
        ),
        ActionForm("escalate", "escalate_ticket", "Escalate", ("reason", "level")),
        ActionForm(
            "resolve", "resolve_ticket", "Resolve", ("resolution_code", "notes")
        ),
        ActionForm("reopen", "reopen_ticket", "Reopen", ("reason",)),
        ActionForm("close", "close_ticket", "Close", ("note",)),
        ActionForm("cancel", "cancel_ticket", "Cancel ticket", ("reason",)),
    )
}


def _value(name: str, raw: str) -> Any:
    text = raw.strip()
    if name in INTEGER_FIELDS and text.lstrip("-").isdigit() and len(text) < 10:
        return int(text)
    return text


def form_args(form: dict[str, str], fields: tuple[str, ...]) -> dict[str, Any]:
    """The command arguments a form gives; blank fields are left out (not sent)."""
    return {
        name: _value(name, form[name]) for name in fields if form.get(name, "").strip()
    }


def expected_version(form: dict[str, str]) -> int:
    raw = form.get("version", "").strip()
    if not raw.isdigit() or len(raw) > 12:
        raise InvalidCommandError.for_fields(
            {"version": "the form must carry the ticket version it was loaded at"}
        )
    return int(raw)


def build_command(
    spec: ActionForm, ticket_id: object, form: dict[str, str]
) -> m.Command:
    """The command for ``form``; blank optional fields are left out."""
    args = form_args(form, spec.fields)
    args["ticket_id"] = ticket_id
    args["expected_version"] = expected_version(form)
    return parse_command(spec.command, args)


async def run_action(
    p: Page, spec: ActionForm, ref: str, form: dict[str, str]
) -> CommandResult:
    """Check CSRF and role, then issue the form's command as the signed-in user."""
    p.user.check_csrf(form)
    p.require(spec.action)
    ticket_id = await p.api.refs.aresolve(ref)
    command = build_command(spec, ticket_id, form)
    return await execute_as(p.api, p.user.principal, command)

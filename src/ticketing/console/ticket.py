"""The ticket page: fields, actions, timeline, SLA clock bars, and an as-of slider.

Fields and timeline come from the ticket's own events (never behind a
write); each action form carries the version the page showed. A refused
action re-renders the page at the latest version with the reason, so a stale
page is told so and nothing is overwritten. The slider asks for the
``asof`` fragment: the state and clocks as they stood after a given version.
A long ticket's timeline shows its latest events, with a link to show all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from starlette.responses import RedirectResponse

from ticketing.aggregates.vocabulary import HOLD_REASONS, PRIORITIES, VISIBILITIES
from ticketing.commands.messages import MAX_ESCALATION_LEVEL
from ticketing.console.actions import FORMS, run_action
from ticketing.console.clockbars import clock_chart
from ticketing.console.pages import page
from ticketing.console.web import read_form
from ticketing.errors import (
    ConcurrencyConflictError,
    NotFoundError,
    TicketingError,
)
from ticketing.http.errors import status_for
from ticketing.http.payloads import MAX_POSITION, QueryArgs
from ticketing.http.scopes import check_visible
from ticketing.queries.history import get_history
from ticketing.queries.sla_evidence import ticket_evidence
from ticketing.queries.tickets import get_ticket, list_comments
from ticketing.sla.projection import SLA_KEY

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from starlette.responses import Response

    from ticketing.console.clockbars import ClockChart
    from ticketing.console.pages import Page
    from ticketing.projections.ticket_state import AuditEntry
    from ticketing.queries.history import TicketHistory

#: ``?done=`` after the new-ticket form opened the ticket.
OPENED: Final = "opened"

#: Fields shown first, in this order; the rest follow alphabetically.
MAIN_FIELDS: Final = (
    "title",
    "type",
    "state",
    "priority",
    "impact",
    "urgency",
    "queue",
    "group",
    "assignee",
    "requester_id",
    "hold_reason",
    "escalation_level",
    "opened_at",
    "resolved_at",
    "closed_at",
)


#: Events the timeline shows unless asked for all (``?timeline=all``).
TIMELINE_SHOWN: Final = 100


@dataclass(frozen=True, slots=True)
class Timeline:
    """The events the timeline shows, newest first, and how many there are."""

    entries: list[AuditEntry]
    total: int
    showing_all: bool
    shown_at_most: int

    @property
    def capped(self) -> bool:
        return len(self.entries) < self.total


def timeline(history: TicketHistory, show_all: bool) -> Timeline:
    """The newest ``TIMELINE_SHOWN`` events of ``history``, or all of them."""
    newest_first = list(reversed(history.entries))
    limit = TIMELINE_SHOWN
    return Timeline(
        entries=newest_first if show_all else newest_first[:limit],
        total=len(newest_first),
        showing_all=show_all,
        shown_at_most=limit,
    )


def _show_all(p: Page, *more: str) -> bool:
    """Whether the page asks for the whole timeline (``?timeline=all``)."""
    q = QueryArgs(p.request, ("timeline", *more))
    choice = q.choice("timeline", ("all", "latest"))
    q.done()
    return choice == "all"


@dataclass(frozen=True, slots=True)
class Clocks:
    chart: ClockChart | None
    note: str | None


def _ref(p: Page) -> str:
    return str(p.request.path_params["ref"])


def ordered_fields(state: dict[str, Any]) -> list[tuple[str, Any]]:
    """The ticket's fields, the main ones first; long text left to its own block."""
    skip = {"description", "number", "comments"}
    first = [(k, state.get(k)) for k in MAIN_FIELDS if k in state]
    rest = sorted(
        (k, v) for k, v in state.items() if k not in MAIN_FIELDS and k not in skip
    )
    return first + rest


def _clocks(p: Page, ticket_id: UUID, as_of: datetime | None) -> Clocks:
    host = p.api.runtime.projections
    if not p.user.can("sla.evidence"):
        return Clocks(None, None)
    if SLA_KEY not in host.projections:
        return Clocks(None, "this build has no SLA projection")
    now = p.api.runtime.clock.now()
    try:
        evidence = ticket_evidence(host, ticket_id, now, as_of)
    except TicketingError as exc:
        return Clocks(None, f"SLA clocks not available: {exc.message}")
    return Clocks(clock_chart(evidence, as_of or now), None)


def _read(p: Page, ticket_id: UUID, show_all: bool) -> dict[str, Any]:
    runtime = p.api.runtime
    view = get_ticket(runtime.service, str(ticket_id))
    check_visible(p.user.principal, view.requester_id, view.number)
    history = get_history(runtime.service, runtime.projections.source, str(ticket_id))
    requester = p.user.principal.is_requester
    return {
        "view": view,
        "fields": ordered_fields(view.state),
        "history": history if p.user.can("ticket.history") else None,
        "timeline": timeline(history, show_all),
        "comments": list_comments(history, include_internal=not requester),
        # the live stream starts after the last event this page shows
        "last_position": history.entries[-1].position,
        "clocks": _clocks(p, ticket_id, None),
    }


async def _page(
    p: Page,
    problem: str | None = None,
    status: int = 200,
    done: str | None = None,
    show_all: bool = False,
) -> Response:
    p.require("ticket.read")
    ticket_id = await p.api.refs.aresolve(_ref(p))
    data = await p.blocking(_read, p, ticket_id, show_all)
    forms = [f for f in FORMS.values() if p.user.can(f.action)]
    return p.render(
        "ticket.html",
        {
            **data,
            "forms": forms,
            "problem": problem,
            "done": done,
            "hold_reasons": HOLD_REASONS,
            "max_escalation": MAX_ESCALATION_LEVEL,
            "priorities": PRIORITIES,
            "visibilities": VISIBILITIES,
        },
        status=status,
    )


async def ticket_page(p: Page) -> Response:
    show_all = _show_all(p, "done")
    done = p.request.query_params.get("done")
    message = None
    if done in FORMS:
        message = f"{FORMS[done].label}: done."
    elif done == OPENED:
        message = f"Ticket {_ref(p)} opened."
    return await _page(p, done=message, show_all=show_all)


def stale_message(exc: ConcurrencyConflictError) -> str:
    actual = exc.details.get("actual")
    expected = exc.details.get("expected")
    seen = f" (you saw version {expected}; it is now at version {actual})"
    return (
        "This ticket changed since you loaded it"
        + (seen if actual is not None else "")
        + ". Nothing was changed: check the latest state below and try again."
    )


async def ticket_action(p: Page) -> Response:
    verb = str(p.request.path_params["verb"])
    spec = FORMS.get(verb)
    if spec is None:
        raise NotFoundError(f"no ticket action {verb[:40]!r}", {"action": verb[:40]})
    form = await read_form(p.request)
    try:
        result = await run_action(p, spec, _ref(p), form)
    except ConcurrencyConflictError as exc:
        return await _page(p, problem=stale_message(exc), status=409)
    except TicketingError as exc:
        status = status_for(exc)
        if status in (403, 404):
            raise
        return await _page(p, problem=_problem_text(exc), status=status)
    return RedirectResponse(
        f"/console/tickets/{result.reference}?done={verb}", status_code=303
    )


def _problem_text(exc: TicketingError) -> str:
    fields = exc.details.get("fields")
    if isinstance(fields, dict) and fields:
        listed = "; ".join(f"{k}: {v}" for k, v in fields.items())
        return f"{exc.message} ({listed})"
    return exc.message


def _as_of(p: Page, ticket_id: UUID, version: int) -> dict[str, Any]:
    runtime = p.api.runtime
    history: TicketHistory = get_history(
        runtime.service, runtime.projections.source, str(ticket_id), version=version
    )
    last = history.entries[-1]
    return {
        "history": history,
        "entry": last,
        "fields": ordered_fields(history.state),
        "clocks": _clocks(p, ticket_id, last.occurred_at),
    }


async def as_of_fragment(p: Page) -> Response:
    p.require("ticket.history")
    q = QueryArgs(p.request, ("version",))
    version = q.integer("version", 1, MAX_POSITION)
    q.done()
    ticket_id = await p.api.refs.aresolve(_ref(p))
    if version is None:
        version = (
            await p.blocking(get_ticket, p.api.runtime.service, str(ticket_id))
        ).version
    data = await p.blocking(_as_of, p, ticket_id, version)
    return p.render("ticket_asof.html", data)


async def timeline_fragment(p: Page) -> Response:
    p.require("ticket.history")
    show_all = _show_all(p)
    ticket_id = await p.api.refs.aresolve(_ref(p))
    runtime = p.api.runtime
    history = await p.blocking(
        get_history, runtime.service, runtime.projections.source, str(ticket_id)
    )
    return p.render(
        "ticket_timeline.html",
        {"history": history, "timeline": timeline(history, show_all)},
    )


TICKET_PAGE: Final = page(ticket_page)
TICKET_ACTION: Final = page(ticket_action)
AS_OF: Final = page(as_of_fragment, fragment=True)
TIMELINE: Final = page(timeline_fragment, fragment=True)

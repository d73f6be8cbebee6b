"""The console's routes under ``/console``, and its static files.

``console_mount()`` is added to the API app's routes (app.py). Pages share
the app's state (``request.app.state.api``): the same runtime, token store
and metrics as the JSON API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from starlette.responses import RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ticketing.console import (
    audit,
    board,
    dashboard,
    newticket,
    session,
    stream,
    ticket,
)
from ticketing.console.pages import page

if TYPE_CHECKING:
    from starlette.responses import Response

    from ticketing.console.pages import Page

PREFIX: Final = "/console"


async def home(p: Page) -> Response:
    """The start page of the role: the board, else what the role is for."""
    if p.user.can("queue.read"):
        return RedirectResponse(f"{PREFIX}/board", status_code=303)
    return p.render("home.html", {})


def console_routes() -> list[Route | Mount]:
    return [
        Route("/", page(home), methods=["GET"], name="console_home"),
        Route("/login", session.login_form, methods=["GET"], name="console_login"),
        Route("/login", session.login, methods=["POST"]),
        Route("/logout", session.logout, methods=["POST"], name="console_logout"),
        Route("/board", board.BOARD_PAGE, methods=["GET"], name="console_board"),
        Route("/board/rows", board.BOARD_ROWS, methods=["GET"]),
        Route("/events", stream.EVENTS, methods=["GET"], name="console_events"),
        # before /tickets/{ref}: "new" is not a ticket reference
        Route(
            "/tickets/new",
            newticket.NEW_TICKET_FORM,
            methods=["GET"],
            name="console_new_ticket",
        ),
        Route("/tickets/new", newticket.OPEN_TICKET, methods=["POST"]),
        Route("/tickets/{ref}", ticket.TICKET_PAGE, methods=["GET"]),
        Route("/tickets/{ref}/actions/{verb}", ticket.TICKET_ACTION, methods=["POST"]),
        Route("/tickets/{ref}/asof", ticket.AS_OF, methods=["GET"]),
        Route("/tickets/{ref}/timeline", ticket.TIMELINE, methods=["GET"]),
        Route("/tickets/{ref}/audit", audit.AUDIT_PAGE, methods=["GET"]),
        Route(
            "/tickets/{ref}/export/history.json",
            audit.EXPORT_HISTORY,
            methods=["GET"],
        ),
        Route(
            "/tickets/{ref}/export/evidence.json",
            audit.EXPORT_EVIDENCE,
            methods=["GET"],
        ),
        Route("/sla", dashboard.DASHBOARD_PAGE, methods=["GET"], name="console_sla"),
        Route("/sla/whatif", dashboard.WHATIF_PAGE, methods=["GET"]),
        Mount(
            "/static",
            app=StaticFiles(packages=[("ticketing.console", "static")]),
            name="console_static",
        ),
    ]


def console_mount() -> Mount:
    return Mount(PREFIX, routes=console_routes(), name="console")

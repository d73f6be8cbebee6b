"""How every console page runs: sign-in check, role check, errors as pages.

A handler gets a ``Page`` (request, process state, signed-in user). Any
``TicketingError`` it raises becomes an HTML page (or, for the fragments the
browser fetches, an HTML snippet) with the API's status for that error and
its message, so bad input is a clear message, never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse

from ticketing.console.session import current_user
from ticketing.console.web import render
from ticketing.errors import TicketingError
from ticketing.http.errors import ForbiddenError, status_for

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from starlette.requests import Request
    from starlette.responses import Response

    from ticketing.console.session import ConsoleUser
    from ticketing.http.state import ApiState

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page:
    """What a console handler gets: the request, the process state, the user."""

    request: Request
    api: ApiState
    user: ConsoleUser

    def require(self, action: str) -> None:
        """403 page unless the user's role grants ``action``."""
        if not self.user.can(action):
            raise ForbiddenError(
                f"role {self.user.principal.role!r} may not {action}",
                {"role": self.user.principal.role, "action": action},
            )

    async def blocking(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await run_in_threadpool(fn, *args, **kwargs)

    def render(
        self, template: str, context: dict[str, Any], status: int = 200
    ) -> Response:
        return render(self.request, template, {"user": self.user, **context}, status)


def page(
    handler: Callable[[Page], Awaitable[Response]], *, fragment: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint running ``handler`` for a signed-in user.

    Not signed in: pages redirect to the sign-in form, fragments answer 401.
    """

    async def endpoint(request: Request) -> Response:
        api: ApiState = request.app.state.api
        user = await current_user(api, request)
        if user is None:
            if fragment:
                return render(
                    request,
                    "problem.html",
                    {"message": "your session ended; sign in again"},
                    status=401,
                )
            return RedirectResponse("/console/login", status_code=303)
        try:
            return await handler(Page(request, api, user))
        except TicketingError as exc:
            status = status_for(exc)
            context = {
                "user": user,
                "title": _TITLES.get(status, "Something went wrong"),
                "message": exc.message,
                "details": exc.details,
            }
            template = "problem.html" if fragment else "error.html"
            return render(request, template, context, status=status)

    return endpoint


_TITLES = {
    403: "Not allowed for your role",
    404: "Not found",
    409: "Refused",
    412: "Changed since you loaded it",
    422: "Please check your input",
    503: "Try again shortly",
}

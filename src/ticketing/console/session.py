"""Sign-in with an API token, kept in an HttpOnly, SameSite=Strict cookie.

The cookie holds the token itself and is checked with the token store on
every request, so a revoked token signs the console out at once, in every
worker, exactly as it stops working on the API. Forms that change anything
carry a CSRF token derived from the session token (HMAC): a page from another
site can neither read it nor, with SameSite=Strict, send the cookie at all.
The sign-in form itself uses a double-submit nonce cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from ticketing.console.web import read_form, render
from ticketing.errors import TicketingError
from ticketing.http.auth import allowed
from ticketing.http.errors import ForbiddenError

if TYPE_CHECKING:
    from starlette.requests import Request

    from ticketing.http.auth import Principal
    from ticketing.http.state import ApiState

SESSION_COOKIE: Final = "ticketing_console"
LOGIN_NONCE_COOKIE: Final = "ticketing_console_login"
COOKIE_PATH: Final = "/console"
SESSION_SECONDS: Final = 12 * 3600
MAX_TOKEN_CHARS: Final = 200


class CsrfRefusedError(ForbiddenError):
    """A state-changing form without this session's CSRF token."""

    code = "csrf_refused"


def csrf_token(session_token: str) -> str:
    """The CSRF token of a session: only a holder of the cookie can compute it."""
    digest = hmac.new(session_token.encode(), b"console-csrf", hashlib.sha256)
    return digest.hexdigest()[:40]


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    """The signed-in principal and the CSRF token its forms must carry."""

    principal: Principal
    csrf: str

    def can(self, action: str) -> bool:
        """Whether the role grants ``action`` (the API's table, auth.py)."""
        return allowed(self.principal.role, action)

    def check_csrf(self, form: dict[str, str]) -> None:
        given = form.get("csrf", "")
        if not hmac.compare_digest(given.encode(), self.csrf.encode()):
            raise CsrfRefusedError(
                "this form is not from your console session (CSRF check failed); "
                "reload the page and try again",
                {"field": "csrf"},
            )


async def current_user(api: ApiState, request: Request) -> ConsoleUser | None:
    """The user of the session cookie, or None (absent, unknown or revoked token)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    now = api.runtime.projections.clock.now()
    record = await run_in_threadpool(api.tokens.verify, token, now)
    if record is None:
        return None
    return ConsoleUser(record.principal, csrf_token(token))


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _login_page(
    request: Request, problem: str | None = None, status: int = 200
) -> Response:
    nonce = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        {"nonce": nonce, "problem": problem, "user": None},
        status=status,
    )
    response.set_cookie(
        LOGIN_NONCE_COOKIE,
        nonce,
        max_age=1800,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
    return response


async def login_form(request: Request) -> Response:
    return _login_page(request)


async def login(request: Request) -> Response:
    """Check the token and the nonce; set the session cookie; go to the start page."""
    api: ApiState = request.app.state.api
    try:
        form = await read_form(request)
    except TicketingError as exc:
        return _login_page(request, exc.message, status=400)
    nonce = request.cookies.get(LOGIN_NONCE_COOKIE, "")
    given = form.get("nonce", "")
    if not nonce or not hmac.compare_digest(nonce.encode(), given.encode()):
        return _login_page(
            request, "the sign-in form expired; please try again", status=400
        )
    token = form.get("token", "").strip()
    if not token:
        return _login_page(request, "enter your API token", status=422)
    now = api.runtime.projections.clock.now()
    record = None
    if len(token) <= MAX_TOKEN_CHARS:
        record = await run_in_threadpool(api.tokens.verify, token, now)
    if record is None:
        return _login_page(request, "that API token is unknown or revoked", status=401)
    response = RedirectResponse(f"{COOKIE_PATH}/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_SECONDS,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
    response.delete_cookie(LOGIN_NONCE_COOKIE, path=COOKIE_PATH)
    return response


async def logout(request: Request) -> Response:
    """Forget the session cookie (a CSRF-checked POST, so no page can sign you out)."""
    api: ApiState = request.app.state.api
    user = await current_user(api, request)
    if user is not None:
        try:
            user.check_csrf(await read_form(request))
        except TicketingError as exc:
            return render(
                request,
                "error.html",
                {"user": user, "title": "Not signed out", "message": exc.message},
                status=403,
            )
    response = RedirectResponse(f"{COOKIE_PATH}/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)
    return response

"""Rendering pages and reading forms: the console's small HTTP toolkit.

Forms are ``application/x-www-form-urlencoded`` only and parsed here (no
multipart dependency); their size is bounded. Every page is sent with a
content security policy that allows scripts and connections to this server
only, and is never cached (pages carry a CSRF token and ticket data).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.responses import HTMLResponse

from ticketing.errors import InvalidInputError

if TYPE_CHECKING:
    from starlette.requests import Request

MAX_FORM_BYTES: Final = 64 * 1024
MAX_FORM_FIELDS: Final = 50
FORM_TYPE: Final = "application/x-www-form-urlencoded"

SECURITY_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def duration_text(seconds: float | None) -> str:
    """Seconds as a short human duration: ``3d 4h``, ``2h 5m``, ``45s``."""
    if seconds is None:
        return "-"
    whole = int(abs(seconds))
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    sign = "-" if seconds < 0 else ""
    if days:
        return f"{sign}{days}d {hours}h"
    if hours:
        return f"{sign}{hours}h {minutes}m"
    if minutes:
        return f"{sign}{minutes}m"
    return f"{sign}{secs}s"


def instant(value: object) -> str:
    """An instant (datetime or ISO text) as ``YYYY-MM-DD HH:MM:SS UTC``."""
    if value is None or value == "":
        return "-"
    moment = value
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(moment, datetime):
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def value_text(value: object) -> str:
    """A field value as a person reads it: instants in UTC, empty as a dash."""
    if value is None or value in ("", [], {}):
        return "—"
    if isinstance(value, str) and len(value) >= 20 and value[10:11] == "T":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is not None:
            return instant(moment)
    if isinstance(value, list | dict):
        return json.dumps(value, default=str)
    return str(value)


def json_data(value: object) -> Markup:
    """JSON safe to place inside ``<script type="application/json">``."""
    text = json.dumps(value, separators=(",", ":"), default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704 - every markup character is escaped above


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("ticketing.console", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["duration"] = duration_text
    env.filters["instant"] = instant
    env.filters["json_data"] = json_data
    env.filters["value"] = value_text
    return env


TEMPLATES: Final = _environment()


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The template rendered with ``context`` (plus ``request``), with safe headers."""
    body = TEMPLATES.get_template(template).render(request=request, **context)
    return HTMLResponse(
        body, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})}
    )


async def read_form(request: Request) -> dict[str, str]:
    """The urlencoded form of ``request`` (last value wins), or a clear refusal."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != FORM_TYPE:
        raise InvalidInputError(
            f"the form must be sent as {FORM_TYPE}", {"content_type": media}
        )
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise InvalidInputError(
                f"the form is larger than {MAX_FORM_BYTES} bytes", {"form": "too big"}
            )
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            max_num_fields=MAX_FORM_FIELDS,
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidInputError(
            "the form could not be read (not UTF-8 or too many fields)",
            {"form": str(exc)[:200]},
        ) from None
    return dict(pairs)

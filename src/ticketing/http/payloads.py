"""Parse what a client sends: JSON bodies, query parameters, and request headers.

Bodies: size first (413), then media type (415), then JSON syntax (400), then
the shape (422 per field, by the command parser). Query parameters are checked
all together and reported per field (422); unknown parameters are refused so
a typo never silently widens a query.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from ticketing.commands.validation import check_name
from ticketing.errors import InvalidCommandError
from ticketing.http.errors import (
    MalformedRequestError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)

if TYPE_CHECKING:
    from collections.abc import Collection

    from starlette.requests import Request

JSON_MEDIA_TYPE: Final = "application/json"
_INTEGER: Final = re.compile(r"-?[0-9]{1,19}")


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The raw body, refusing more than ``max_bytes`` (declared or streamed)."""
    too_large = PayloadTooLargeError(
        f"the request body exceeds {max_bytes} bytes", {"max_bytes": max_bytes}
    )
    declared = request.headers.get("content-length")
    if declared and declared.strip().isdigit() and int(declared) > max_bytes:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def check_json_media_type(content_type: str | None) -> None:
    media, _, params = (content_type or "").partition(";")
    charset = ""
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    if media.strip().lower() != JSON_MEDIA_TYPE or charset not in ("", "utf-8"):
        raise UnsupportedMediaTypeError(
            f"send the body as {JSON_MEDIA_TYPE} (UTF-8), not {content_type!r}",
            {"content_type": content_type, "expected": JSON_MEDIA_TYPE},
        )


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            msg = f"duplicate key {key!r}"
            raise ValueError(msg)
        out[key] = value
    return out


def _no_constants(name: str) -> Any:
    msg = f"{name} is not valid JSON"
    raise ValueError(msg)


def _has_surrogate(value: object) -> bool:
    if isinstance(value, str):
        return any(0xD800 <= ord(ch) <= 0xDFFF for ch in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    return False


def decode_json(body: bytes) -> Any:
    """Strict JSON: UTF-8, no NaN/Infinity, no duplicate keys, no lone surrogates."""
    try:
        data = json.loads(
            body.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constants,
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        reason = "too deeply nested" if isinstance(exc, RecursionError) else str(exc)
        raise MalformedRequestError(
            f"the body is not valid JSON: {reason}", {"reason": reason}
        ) from None
    if _has_surrogate(data):
        raise MalformedRequestError(
            "the body contains an unpaired UTF-16 surrogate escape",
            {"reason": "unpaired surrogate"},
        )
    return data


async def read_json_object(request: Request, max_bytes: int) -> dict[str, Any]:
    """The body as a JSON object; an empty body is ``{}``."""
    body = await read_body(request, max_bytes)
    if not body.strip():
        return {}
    check_json_media_type(request.headers.get("content-type"))
    data = decode_json(body)
    if not isinstance(data, dict):
        raise InvalidCommandError.for_fields({"body": "must be a JSON object"})
    return data


class QueryArgs:
    """Typed access to query parameters; problems are collected, then raised."""

    def __init__(self, request: Request, allowed: Collection[str]) -> None:
        self._params = request.query_params
        self.problems: dict[str, str] = {}
        for key in self._params:
            if key not in allowed:
                self.problems[key] = "unknown parameter"

    def _one(self, name: str) -> str | None:
        values = self._params.getlist(name)
        if len(values) > 1:
            self.problems[name] = "given more than once"
            return None
        return values[0] if values else None

    def raw(self, name: str) -> str | None:
        """A single value as given (the query validates it)."""
        return self._one(name)

    def string(self, name: str) -> str | None:
        value = self._one(name)
        if value is None:
            return None
        problem = check_name(value)
        if problem:
            self.problems[name] = problem
            return None
        return value

    def integer(self, name: str, low: int, high: int) -> int | None:
        value = self._one(name)
        if value is None:
            return None
        if _INTEGER.fullmatch(value.strip()) is None:
            self.problems[name] = f"{value!r} is not an integer"
            return None
        number = int(value.strip())
        if not low <= number <= high:
            self.problems[name] = f"must be between {low} and {high}"
            return None
        return number

    def boolean(self, name: str) -> bool | None:
        value = self._one(name)
        if value is None:
            return None
        if value.lower() in ("true", "1"):
            return True
        if value.lower() in ("false", "0"):
            return False
        self.problems[name] = f"{value!r} is not true or false"
        return None

    def choices(self, name: str, allowed: Collection[str]) -> tuple[str, ...]:
        """A list given as repeated and/or comma-separated values."""
        values = [
            v.strip() for raw in self._params.getlist(name) for v in raw.split(",")
        ]
        if "" in values:
            self.problems[name] = "an empty value; give one of: " + ", ".join(allowed)
            return ()
        bad = [v for v in values if v not in allowed]
        if bad:
            self.problems[name] = f"{bad[0]!r} is not one of: {', '.join(allowed)}"
            return ()
        return tuple(dict.fromkeys(values))

    def choice(self, name: str, allowed: Collection[str]) -> str | None:
        value = self._one(name)
        if value is not None and value not in allowed:
            self.problems[name] = f"{value!r} is not one of: {', '.join(allowed)}"
            return None
        return value

    def instant(self, name: str) -> datetime | None:
        value = self._one(name)
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except (ValueError, OverflowError):
            self.problems[name] = f"{value!r} is not an ISO 8601 time"
            return None
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            self.problems[name] = "must include a time zone (Z or +01:00)"
            return None
        return parsed

    def done(self) -> None:
        if self.problems:
            raise InvalidCommandError.for_fields(self.problems)


MAX_POSITION: Final = 2**62


def parse_if_match(value: str | None) -> int | None:
    """The expected version from ``If-Match: "7"`` (``*`` or absent: none)."""
    if value is None or value.strip() == "*":
        return None
    text = value.strip()
    if text.startswith("W/"):
        raise MalformedRequestError(
            "If-Match needs a strong ETag (as returned in the ETag header)",
            {"header": "If-Match"},
        )
    inner = text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text
    if not (inner.isascii() and inner.isdigit()) or len(inner) > 18:
        raise MalformedRequestError(
            f"If-Match must be one ETag such as '\"3\"', not {value!r}",
            {"header": "If-Match"},
        )
    version = int(inner)
    if version < 1:
        raise MalformedRequestError(
            "If-Match names a version, which starts at 1", {"header": "If-Match"}
        )
    return version


def header_name(request: Request, header: str) -> str | None:
    """An identifier-like header value (Idempotency-Key, X-Correlation-Id)."""
    value = request.headers.get(header)
    if value is None:
        return None
    problem = check_name(value)
    if problem:
        raise InvalidCommandError.for_fields({header: problem})
    return value


def etag(version: int) -> str:
    return f'"{version}"'

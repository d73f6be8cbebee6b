"""Field checks shared by every command; each returns a reason or None."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Collection

TITLE_MAX: Final = 200
TEXT_MAX: Final = 20_000
NAME_MAX: Final = 128


def _has_control_chars(value: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in value)


def check_text(value: object, *, max_len: int, required: bool = True) -> str | None:
    """Free text: a string, non-blank when required, at most ``max_len`` chars."""
    if value is None:
        return "is required" if required else None
    if not isinstance(value, str):
        return "must be a string"
    if required and not value.strip():
        return "must not be empty"
    if len(value) > max_len:
        return f"must be at most {max_len} characters (got {len(value)})"
    return _unstorable(value)


def _unstorable(value: str) -> str | None:
    """Characters no store keeps: NUL (PostgreSQL text) and lone surrogates (UTF-8)."""
    if "\x00" in value:
        return "must not contain NUL characters"
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        return "must not contain unpaired surrogates"
    return None


def check_name(value: object, *, required: bool = True) -> str | None:
    """An identifier (queue, group, agent, tag, code): one line, trimmed, short."""
    if isinstance(value, str) and _has_control_chars(value):
        return "must not contain control characters"  # NUL included
    problem = check_text(value, max_len=NAME_MAX, required=required)
    if problem or value is None:
        return problem
    assert isinstance(value, str)  # noqa: S101 - narrowed by check_text
    if value != value.strip():
        return "must not start or end with whitespace"
    return None


def check_choice(
    value: object, allowed: Collection[object], *, required: bool = True
) -> str | None:
    if value is None:
        return "is required" if required else None
    if value not in allowed:
        return f"{value!r} is not one of: {', '.join(map(str, allowed))}"
    return None


def check_int_range(
    value: object, low: int, high: int, *, required: bool = True
) -> str | None:
    if value is None:
        return "is required" if required else None
    if isinstance(value, bool) or not isinstance(value, int):
        return "must be an integer"
    if not low <= value <= high:
        return f"must be between {low} and {high} (got {value})"
    return None

"""Typed access to the fields of a JSON request body that is not a command.

Command bodies are parsed by the command dataclasses; the administration and
analysis bodies (policy text, rule-set text, what-if options) are small
objects read here. Like ``QueryArgs``, every problem is collected and raised
at once as a 422 naming each field; unknown fields are refused.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ticketing.commands.validation import check_name
from ticketing.errors import InvalidCommandError

if TYPE_CHECKING:
    from collections.abc import Collection


class BodyFields:
    """Fields of one JSON object body; ``done()`` raises every problem found."""

    def __init__(self, body: dict[str, Any], allowed: Collection[str]) -> None:
        self.body = body
        self.problems: dict[str, str] = {
            key: "unknown field" for key in body if key not in allowed
        }

    def text(self, name: str, *, required: bool = False) -> str | None:
        """Free text (a policy or rule file); NUL characters are refused."""
        value = self.body.get(name)
        if value is None:
            if required:
                self.problems[name] = "is required"
            return None
        if not isinstance(value, str):
            self.problems[name] = "must be a string"
            return None
        if not value.strip():
            self.problems[name] = "must not be blank"
            return None
        if "\x00" in value:
            self.problems[name] = "must not contain NUL characters"
            return None
        return value

    def name(self, name: str) -> str | None:
        value = self.body.get(name)
        if value is None:
            return None
        problem = check_name(value)
        if problem:
            self.problems[name] = problem
            return None
        return str(value)

    def texts(self, name: str, max_items: int) -> dict[str, str]:
        """An object of identifier -> text (calendar files by version)."""
        value = self.body.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict) or len(value) > max_items:
            self.problems[name] = f"must be an object of at most {max_items} texts"
            return {}
        found: dict[str, str] = {}
        for key, text in value.items():
            problem = check_name(key)
            if problem or not isinstance(text, str) or "\x00" in text:
                self.problems[f"{name}.{key}"] = problem or "must be text without NUL"
                continue
            found[key] = text
        return found

    def choices(self, name: str, allowed: Collection[str]) -> tuple[str, ...]:
        value = self.body.get(name)
        if value is None:
            return ()
        if not isinstance(value, list) or not value:
            self.problems[name] = "must be a non-empty list"
            return ()
        bad = [v for v in value if not isinstance(v, str) or v not in allowed]
        if bad:
            self.problems[name] = f"{bad[0]!r} is not one of: {', '.join(allowed)}"
            return ()
        return tuple(dict.fromkeys(value))

    def choice(self, name: str, allowed: Collection[str]) -> str | None:
        value = self.body.get(name)
        if value is None:
            return None
        if not isinstance(value, str) or value not in allowed:
            self.problems[name] = f"{value!r} is not one of: {', '.join(allowed)}"
            return None
        return value

    def integer(self, name: str, low: int, high: int) -> int | None:
        value = self.body.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problems[name] = "must be an integer"
            return None
        if not low <= value <= high:
            self.problems[name] = f"must be between {low} and {high}"
            return None
        return value

    def boolean(self, name: str) -> bool | None:
        value = self.body.get(name)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.problems[name] = "must be true or false"
            return None
        return value

    def instant(self, name: str) -> datetime | None:
        value = self.body.get(name)
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
        except (ValueError, OverflowError):
            parsed = None
        if parsed is None or parsed.utcoffset() is None:
            self.problems[name] = "must be an ISO 8601 time with a time zone"
            return None
        return parsed

    def done(self) -> None:
        if self.problems:
            raise InvalidCommandError.for_fields(self.problems)

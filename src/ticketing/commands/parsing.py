"""Build command messages from plain JSON-like mappings (HTTP bodies, command scripts).

Unknown fields, missing fields and bad values are all reported together, per field.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ticketing.commands.admin_messages import ADMIN_COMMANDS
from ticketing.commands.messages import COMMANDS, Command
from ticketing.errors import InvalidCommandError

if TYPE_CHECKING:
    from collections.abc import Mapping

_UUID_FIELDS = frozenset({"ticket_id", "target_id"})
_TUPLE_FIELDS = frozenset({"tags", "skills"})
_INSTANT_FIELDS = frozenset({"effective_from"})

#: Every command by wire name: ticket commands, directory and policy commands.
ALL_COMMANDS: dict[str, type[Command]] = {
    **COMMANDS,
    **{cls.name: cls for cls in ADMIN_COMMANDS},
}


def command_class(name: object) -> type[Command]:
    if not isinstance(name, str) or name not in ALL_COMMANDS:
        known = ", ".join(sorted(ALL_COMMANDS))
        raise InvalidCommandError.for_fields(
            {"command": f"unknown command {name!r}; known: {known}"}
        )
    return ALL_COMMANDS[name]


def parse_command(name: object, data: object) -> Command:
    """Construct the named command from ``data``; InvalidCommandError on any problem."""
    cls = command_class(name)
    if not isinstance(data, dict):
        raise InvalidCommandError.for_fields({"args": "must be a JSON object"})
    fields = {f.name: f for f in dataclasses.fields(cls)}
    problems: dict[str, str] = {}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key not in fields:
            problems[str(key)] = "unknown field"
            continue
        try:
            kwargs[key] = _coerce(key, value)
        except ValueError as exc:
            problems[key] = str(exc)
    required = [
        f.name
        for f in fields.values()
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    problems.update({n: "is required" for n in required if n not in data})
    if problems:
        # still check the values that were given, so that every problem is reported
        absent = [n for n in required if n not in kwargs]
        raise InvalidCommandError.for_fields(
            {**_value_problems(cls, kwargs, absent), **problems}
        )
    try:
        return cls(**kwargs)
    except TypeError as exc:  # pragma: no cover - guarded by the checks above
        raise InvalidCommandError.for_fields({"args": str(exc)}) from exc


def _value_problems(
    cls: type[Command], kwargs: dict[str, Any], absent: list[str]
) -> dict[str, str]:
    """Problems of the given values, with None standing in for absent fields."""
    placeholders: dict[str, Any] = dict.fromkeys(absent)
    try:
        cls(**kwargs, **placeholders)
    except InvalidCommandError as exc:
        return dict(exc.details.get("fields", {}))
    return {}


def _coerce(key: str, value: object) -> object:
    if key in _UUID_FIELDS and value is not None:
        if isinstance(value, uuid.UUID):
            return value
        if not isinstance(value, str):
            msg = "must be a ticket id (UUID string)"
            raise ValueError(msg)
        try:
            return uuid.UUID(value)
        except ValueError:
            msg = f"{value!r} is not a ticket id (UUID)"
            raise ValueError(msg) from None
    if key in _INSTANT_FIELDS and value is not None:
        if not isinstance(value, str):
            msg = "must be an ISO 8601 time string"
            raise ValueError(msg)
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            msg = f"{value!r} is not an ISO 8601 time"
            raise ValueError(msg) from None
    if key in _TUPLE_FIELDS:
        if not isinstance(value, list | tuple):
            msg = "must be a list"
            raise ValueError(msg)
        return tuple(value)
    return value


def command_to_dict(command: Command) -> Mapping[str, object]:
    """The wire form: ``{"command": name, "args": {...}}`` (no id, no version)."""
    return {"command": command.name, "args": command.payload()}

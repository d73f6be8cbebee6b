"""The JSON Schema of a command-script line, built from the command classes.

docs/schemas/command-script-v1.schema.json is this function's output; a test
keeps the two equal, so the schema never drifts from what the parser accepts.
"""

from __future__ import annotations

import dataclasses
import types
import typing
import uuid
from typing import Any, Final

from ticketing.commands.messages import COMMANDS, Command
from ticketing.commands.script import (
    FORMAT_NAME,
    FORMAT_VERSION,
    LINE_FIELDS,
    LINK_COMMANDS,
    OPEN_COMMAND,
    SCRIPT_ACTOR_KIND,
)

SCHEMA_ID: Final = "urn:ticketing:schema:command-script-v1"
#: ISO 8601 date-time with a UTC offset (``Z`` or ``+HH:MM``).
TIME_PATTERN: Final = (
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$"
)
KEY_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"
_SKIPPED: Final = frozenset(
    {"command_id", "expected_version", "ticket_id", "target_id"}
)


def _type_schema(hint: Any) -> dict[str, Any]:
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        return {"enum": list(typing.get_args(hint))}
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        inner = _type_schema(options[0]) if len(options) == 1 else {}
        return {"anyOf": [inner, {"type": "null"}]}
    if origin is tuple:
        return {"type": "array", "items": _type_schema(typing.get_args(hint)[0])}
    simple = {str: {"type": "string"}, int: {"type": "integer"}}
    if hint in simple:
        return dict(simple[hint])
    if hint is uuid.UUID:
        return {"type": "string", "format": "uuid"}
    msg = f"no JSON Schema for {hint!r}"  # pragma: no cover - a new field type
    raise TypeError(msg)  # pragma: no cover


def args_schema(cls: type[Command]) -> dict[str, Any]:
    """``args`` of one command: its own fields (ids and versions come from the line)."""
    hints = typing.get_type_hints(cls)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for f in dataclasses.fields(cls):
        keep_id = f.name == "ticket_id" and cls.name == OPEN_COMMAND
        if f.name in _SKIPPED and not keep_id:
            continue
        properties[f.name] = _type_schema(hints[f.name])
        no_default = f.default is dataclasses.MISSING
        if no_default and f.default_factory is dataclasses.MISSING:
            required.append(f.name)
    if cls.name in LINK_COMMANDS:
        properties["target"] = {"$ref": "#/$defs/ref"}
        required.append("target")
    return {
        "type": "object",
        "properties": properties,
        "required": sorted(required),
        "additionalProperties": False,
    }


def _per_command() -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for name in sorted(COMMANDS):
        is_open = name == OPEN_COMMAND
        then: dict[str, Any] = {
            "properties": {"args": {"$ref": f"#/$defs/args/{name}"}},
            "required": [] if is_open else ["ticket"],
        }
        if is_open:
            then["not"] = {"required": ["ticket"]}
        else:
            then["not"] = {"required": ["key"]}
        rules.append({"if": {"properties": {"command": {"const": name}}}, "then": then})
    return rules


def script_schema() -> dict[str, Any]:
    """The schema one line of a version-1 command script satisfies."""
    text = {"type": "string", "minLength": 1}
    line_properties: dict[str, Any] = {
        "at": {"type": "string", "pattern": TIME_PATTERN},
        "actor": {"$ref": "#/$defs/actor"},
        "command": {"enum": sorted(COMMANDS)},
        "args": {"type": "object"},
        "ticket": {"$ref": "#/$defs/ref"},
        "key": {"type": "string", "pattern": KEY_PATTERN},
        "id": text,
        "correlation_id": text,
        "causation_id": text,
        "rule_id": text,
        "rule_set_version": text,
    }
    assert set(line_properties) == LINE_FIELDS  # noqa: S101 - kept in step
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "ticketing command script, version 1: one JSON object per line",
        "description": "See docs/command-scripts.md. A line is either the optional "
        "header (first line) or one command with its time, actor and arguments.",
        "oneOf": [{"$ref": "#/$defs/header"}, {"$ref": "#/$defs/line"}],
        "$defs": {
            "header": {
                "type": "object",
                "properties": {
                    "format": {"const": FORMAT_NAME},
                    "version": {"const": FORMAT_VERSION},
                },
                "required": ["format", "version"],
                "additionalProperties": False,
            },
            "actor": {
                "type": "object",
                "properties": {
                    "id": text,
                    "role": text,
                    "kind": {"const": SCRIPT_ACTOR_KIND},
                },
                "required": ["id", "role"],
                "additionalProperties": False,
            },
            "ref": {
                "type": "string",
                "minLength": 1,
                "description": "@key of a ticket opened earlier in the script, "
                "a ticket number (INC0000045) or a ticket id (UUID)",
            },
            "line": {
                "type": "object",
                "properties": line_properties,
                "required": ["at", "actor", "command"],
                "additionalProperties": False,
                "allOf": _per_command(),
            },
            "args": {name: args_schema(cls) for name, cls in sorted(COMMANDS.items())},
        },
    }

"""Command scripts: recorded commands as JSON Lines, parsed into steps (pure).

One line = one command with its own time (``at``), actor and arguments; tickets
are referred to by a script-local ``@key`` (declared by the ``open_ticket``
line), by number or by id. Parsing checks the shape of each line only; the
planner (``script_plan``) checks arguments, references and times. Format:
docs/command-scripts.md, schema: docs/schemas/command-script-v1.schema.json.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from ticketing.aggregates.envelope import Actor
from ticketing.commands.messages import COMMANDS

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

FORMAT_NAME: Final = "ticketing-command-script"
FORMAT_VERSION: Final = 1
#: Every script actor is an import actor: see "Time and actors" in the docs.
SCRIPT_ACTOR_KIND: Final = "import"
OPEN_COMMAND: Final = "open_ticket"
LINK_COMMANDS: Final = frozenset({"link_tickets", "unlink_tickets"})
#: Arguments a script never gives: they come from the line's own fields.
RESERVED_ARGS: Final = {
    "command_id": "use the line's 'id' field",
    "ticket_id": "use the line's 'ticket' field",
    "target_id": "use 'target' (a ticket ref) instead",
    "expected_version": "scripts order commands by time; versions are implied",
}
LINE_FIELDS: Final = frozenset(
    {
        "at",
        "actor",
        "command",
        "args",
        "ticket",
        "key",
        "id",
        "correlation_id",
        "causation_id",
        "rule_id",
        "rule_set_version",
    }
)
_KEY_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
_OPTIONAL_TEXT: Final = ("id", "correlation_id", "causation_id", "rule_id")


@dataclass(frozen=True, slots=True)
class LineError:
    """Why a line (or the ticket it belongs to) was not imported."""

    line: int
    code: str
    message: str
    fields: Mapping[str, str] | None = None
    ticket: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"line": self.line, "code": self.code}
        out["message"] = self.message
        if self.fields:
            out["fields"] = dict(self.fields)
        if self.ticket is not None:
            out["ticket"] = self.ticket
        return out


class ScriptLineError(Exception):
    """Raised while parsing one line; carries the LineError to report."""

    def __init__(self, error: LineError) -> None:
        super().__init__(error.message)
        self.error = error


@dataclass(frozen=True, slots=True)
class ScriptStep:
    """One command of a script as written: references are not resolved yet."""

    line: int
    at: datetime
    actor: Actor
    command: str
    args: Mapping[str, Any] = field(default_factory=dict)
    ticket: str | None = None
    key: str | None = None
    target: str | None = None
    command_id: str | None = None
    correlation_id: str | None = None
    causation_id: str | None = None
    rule_id: str | None = None
    rule_set_version: str | None = None

    @property
    def is_open(self) -> bool:
        return self.command == OPEN_COMMAND

    def to_json(self) -> dict[str, Any]:
        """The line's JSON form (the inverse of ``parse_line``)."""
        args = dict(self.args)
        if self.target is not None:
            args["target"] = self.target
        out: dict[str, Any] = {
            "at": self.at.isoformat(),
            "actor": {
                "id": self.actor.id,
                "role": self.actor.role,
                "kind": self.actor.kind,
            },
            "command": self.command,
        }
        optional = {
            "ticket": self.ticket,
            "key": self.key,
            "id": self.command_id,
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "rule_id": self.rule_id,
            "rule_set_version": self.rule_set_version,
        }
        out.update({k: v for k, v in optional.items() if v is not None})
        out["args"] = args
        return out


def _fail(line: int, code: str, message: str, **fields: str) -> ScriptLineError:
    return ScriptLineError(LineError(line, code, message, fields or None))


def parse_time(value: object, line: int) -> datetime:
    """ISO 8601 with an offset (``Z`` allowed), returned in UTC."""
    if not isinstance(value, str):
        raise _fail(line, "bad_line", "'at' must be an ISO 8601 string", at="bad")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        msg = f"'at' is not an ISO 8601 time: {value!r}"
        raise _fail(line, "bad_line", msg, at="not ISO 8601") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        msg = f"'at' has no UTC offset: {value!r}"
        raise _fail(line, "bad_line", msg, at="needs an offset such as +00:00")
    return parsed.astimezone(UTC)


def _parse_actor(value: object, line: int) -> Actor:
    if not isinstance(value, dict):
        msg = "'actor' must be an object {id, role, kind}"
        raise _fail(line, "bad_line", msg, actor="must be an object")
    unknown = sorted(set(value) - {"id", "role", "kind"})
    problems: dict[str, str] = {f"actor.{k}": "unknown field" for k in unknown}
    for name in ("id", "role"):
        item = value.get(name)
        if not isinstance(item, str) or not item.strip():
            problems[f"actor.{name}"] = "must be a non-empty string"
    kind = value.get("kind", SCRIPT_ACTOR_KIND)
    if kind != SCRIPT_ACTOR_KIND:
        problems["actor.kind"] = (
            f"must be {SCRIPT_ACTOR_KIND!r}: a script replays recorded history "
            "(the role keeps who it was)"
        )
    if problems:
        raise ScriptLineError(LineError(line, "bad_line", "bad actor", problems))
    return Actor(id=value["id"], role=value["role"], kind="import")


def check_ref(value: object) -> str | None:
    """Problem with a ticket reference, or None."""
    if not isinstance(value, str) or not value.strip():
        return "must be a non-empty string (@key, number or id)"
    if value.startswith("@") and not _KEY_RE.match(value[1:]):
        return f"{value!r} is not a valid @key"
    return None


def check_key(value: object) -> str | None:
    if not isinstance(value, str) or not _KEY_RE.match(value):
        return "must be 1-64 letters, digits or _ . : - (no leading @)"
    return None


def _text_fields(data: Mapping[str, Any], line: int) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    problems: dict[str, str] = {}
    for name in (*_OPTIONAL_TEXT, "rule_set_version"):
        item = data.get(name)
        if item is not None and (not isinstance(item, str) or not item.strip()):
            problems[name] = "must be a non-empty string"
        out[name] = item
    if problems:
        raise ScriptLineError(LineError(line, "bad_line", "bad field", problems))
    return out


def _split_args(
    command: str, data: Mapping[str, Any], line: int
) -> tuple[dict[str, Any], str | None]:
    args = data.get("args", {})
    if not isinstance(args, dict):
        raise _fail(line, "invalid_args", "'args' must be an object", args="bad")
    reserved = {
        k: RESERVED_ARGS[k]
        for k in args
        if k in RESERVED_ARGS and not (k == "ticket_id" and command == OPEN_COMMAND)
    }
    if reserved:
        raise ScriptLineError(LineError(line, "invalid_args", "reserved", reserved))
    args = dict(args)
    target = args.pop("target", None) if command in LINK_COMMANDS else None
    if command in LINK_COMMANDS:
        problem = check_ref(target)
        if problem:
            raise _fail(line, "invalid_args", "bad target", target=problem)
    return args, target


def parse_line(text: str, line: int) -> ScriptStep:
    """Parse one JSON line; ScriptLineError (with the line number) on any problem."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(line, "malformed_json", f"malformed JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise _fail(line, "malformed_json", "a line must be a JSON object")
    unknown = sorted(set(data) - LINE_FIELDS)
    if unknown:
        fields = dict.fromkeys(unknown, "unknown field")
        raise ScriptLineError(LineError(line, "bad_line", "unknown fields", fields))
    command = data.get("command")
    if not isinstance(command, str) or command not in COMMANDS:
        known = ", ".join(sorted(COMMANDS))
        msg = f"unknown command {command!r}; known: {known}"
        raise _fail(line, "unknown_command", msg, command="unknown")
    at = parse_time(data.get("at"), line)
    actor = _parse_actor(data.get("actor"), line)
    text_fields = _text_fields(data, line)
    ticket, key = data.get("ticket"), data.get("key")
    if command == OPEN_COMMAND:
        if ticket is not None:
            msg = "open_ticket declares a 'key'; it has no 'ticket'"
            raise _fail(line, "bad_line", msg, ticket="not allowed on open_ticket")
        if key is not None and (problem := check_key(key)):
            raise _fail(line, "bad_line", "bad key", key=problem)
    else:
        if key is not None:
            raise _fail(line, "bad_line", "only open_ticket declares a key", key="bad")
        if problem := check_ref(ticket):
            raise _fail(line, "unknown_ticket_ref", "bad ticket ref", ticket=problem)
    args, target = _split_args(command, data, line)
    return ScriptStep(
        line=line,
        at=at,
        actor=actor,
        command=command,
        args=args,
        ticket=ticket,
        key=key,
        target=target,
        command_id=text_fields["id"],
        correlation_id=text_fields["correlation_id"],
        causation_id=text_fields["causation_id"],
        rule_id=text_fields["rule_id"],
        rule_set_version=text_fields["rule_set_version"],
    )


@dataclass(frozen=True, slots=True)
class ParsedScript:
    """The steps of a script and the lines that could not be parsed."""

    steps: tuple[ScriptStep, ...]
    errors: tuple[LineError, ...]
    lines: int


def _is_header(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) and "format" in data else None


def parse_script(lines: Iterable[str | bytes]) -> ParsedScript:
    """Parse every line (blank lines are skipped; an optional header comes first)."""
    steps: list[ScriptStep] = []
    errors: list[LineError] = []
    count = 0
    for number, raw in enumerate(lines, start=1):
        count = number
        try:
            text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        except UnicodeDecodeError as exc:
            msg = f"not UTF-8 (byte {exc.start})"
            errors.append(LineError(number, "malformed_json", msg))
            continue
        if not text.strip():
            continue
        header = _is_header(text) if not steps and not errors else None
        if header is not None:
            errors.extend(_check_header(header, number))
            continue
        try:
            steps.append(parse_line(text, number))
        except ScriptLineError as exc:
            ticket = attribute(text, number)
            errors.append(replace(exc.error, ticket=ticket))
    return ParsedScript(tuple(steps), tuple(errors), count)


def open_label(key: object, number: object, line: int) -> str:
    """The name a ticket opened by a script goes by in reports."""
    if isinstance(key, str) and check_key(key) is None:
        return f"@{key}"
    if isinstance(number, str) and number.strip():
        return number.strip().upper()
    return f"line {line}"


def attribute(text: str, line: int) -> str | None:
    """Which ticket a bad line belongs to, when that can still be told."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    if data.get("command") == OPEN_COMMAND:
        args = data.get("args")
        number = args.get("number") if isinstance(args, dict) else None
        return open_label(data.get("key"), number, line)
    ticket = data.get("ticket")
    if check_ref(ticket) is not None or "key" in data:
        return None
    assert isinstance(ticket, str)  # noqa: S101 - narrowed by check_ref
    return ticket if ticket.startswith("@") else ticket.strip().upper()


def _check_header(header: Mapping[str, Any], line: int) -> list[LineError]:
    if header.get("format") != FORMAT_NAME or header.get("version") != FORMAT_VERSION:
        msg = f"unsupported header: expected format {FORMAT_NAME!r} version 1"
        return [LineError(line, "bad_header", msg)]
    return []

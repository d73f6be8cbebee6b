"""The portable log format, version 1: JSON Lines, a header then one event a line.

Specified in docs/event-log.md ("Portable log") and docs/schemas/
event-log-v1.schema.json. Lines are UTF-8 JSON without insignificant
whitespace, keys in a fixed order, so that export -> import -> export is
byte-identical. A stored payload is embedded as JSON (``state``) when its bytes
are exactly the canonical encoding of what they decode to, else as base64
(``state_base64``): either way the hashed bytes are recovered exactly.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final
from uuid import UUID

from ticketing.commands.application import APPLICATION_NAME
from ticketing.errors import InvalidInputError
from ticketing.store.chain import GENESIS_HASH

if TYPE_CHECKING:
    from ticketing.store.records import LogRecord

FORMAT_NAME: Final = "ticketing-event-log"
FORMAT_VERSION: Final = 1
EVENTS_TABLE: Final = f"{APPLICATION_NAME}_events"
HASH_PATTERN: Final = re.compile(r"[0-9a-f]{64}")


class PortableLogError(InvalidInputError):
    """A portable log file that cannot be read, names the line and the problem."""

    code = "invalid_event_log"

    @classmethod
    def at(cls, line: int, reason: str, **extra: object) -> PortableLogError:
        return cls(f"line {line}: {reason}", {"line": line, "reason": reason, **extra})


@dataclass(frozen=True, slots=True)
class Header:
    """First line: which log range follows, and how it must end (for truncation)."""

    after_position: int
    after_hash: str
    last_position: int
    last_hash: str
    events: int

    @property
    def is_full(self) -> bool:
        return self.after_position == 0 and self.after_hash == GENESIS_HASH

    def as_dict(self) -> dict[str, object]:
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "source": {"application": APPLICATION_NAME, "table": EVENTS_TABLE},
            "after": {"position": self.after_position, "hash": self.after_hash},
            "last": {"position": self.last_position, "hash": self.last_hash},
            "events": self.events,
        }


def dump_line(value: dict[str, object]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def canonical_json(value: object) -> bytes:
    """The bytes the event store writes for ``value`` (the library's JSON encoder)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _reject_constant(name: str) -> Any:
    msg = f"{name} is not JSON"
    raise ValueError(msg)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        keys = [k for k, _ in pairs]
        duplicate = next(k for k in keys if keys.count(k) > 1)
        msg = f"duplicate key {duplicate!r}"
        raise ValueError(msg)
    return value


def strict_loads(text: str | bytes) -> Any:
    """json.loads refusing NaN/Infinity and duplicate keys (both would be lossy)."""
    return json.loads(
        text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys
    )


def embeddable_state(state: bytes) -> tuple[bool, Any]:
    """(True, value) when ``state`` is exactly the canonical JSON of ``value``."""
    try:
        value = strict_loads(state.decode("utf-8"))
        same = canonical_json(value) == state
    except (UnicodeError, ValueError):
        return False, None
    return same, value


def encode_event(row: LogRecord) -> bytes:
    """One event line; key order and spelling are part of the format."""
    line: dict[str, object] = {
        "position": row.id,
        "originator_id": str(row.originator_id),
        "originator_version": row.originator_version,
        "topic": row.topic,
    }
    ok, value = embeddable_state(row.state)
    if ok:
        line["state"] = value
    else:
        line["state_base64"] = base64.b64encode(row.state).decode("ascii")
    line["recorded_at"] = row.recorded_at
    line["prev_hash"] = row.prev_hash
    line["hash"] = row.hash
    return dump_line(line)


def load_object(line_no: int, raw: bytes, what: str) -> dict[str, Any]:
    try:
        value = strict_loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise PortableLogError.at(line_no, f"not UTF-8 ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        reason = f"malformed JSON ({exc.msg} at column {exc.colno})"
        raise PortableLogError.at(line_no, reason) from None
    except ValueError as exc:
        raise PortableLogError.at(line_no, f"malformed JSON ({exc})") from None
    if not isinstance(value, dict):
        raise PortableLogError.at(line_no, f"{what} must be a JSON object")
    return value


def check_fields(
    line_no: int, value: dict[str, Any], required: set[str], optional: set[str]
) -> None:
    missing = sorted(required - value.keys())
    if missing:
        raise PortableLogError.at(
            line_no, f"missing field(s): {', '.join(missing)}", missing=missing
        )
    unknown = sorted(value.keys() - required - optional)
    if unknown:
        raise PortableLogError.at(
            line_no, f"unknown field(s): {', '.join(unknown)}", unknown=unknown
        )


def field_int(line_no: int, value: dict[str, Any], name: str, low: int) -> int:
    found = value[name]
    if type(found) is not int or found < low:
        raise PortableLogError.at(line_no, f"{name} must be an integer >= {low}")
    return found


def field_hash(line_no: int, value: dict[str, Any], name: str) -> str:
    found = value[name]
    if not isinstance(found, str) or not HASH_PATTERN.fullmatch(found):
        raise PortableLogError.at(line_no, f"{name} must be 64 lowercase hex digits")
    return found


def field_text(line_no: int, value: dict[str, Any], name: str) -> str:
    found = value[name]
    if not isinstance(found, str) or not found:
        raise PortableLogError.at(line_no, f"{name} must be a non-empty string")
    return found


def field_uuid(line_no: int, value: dict[str, Any], name: str) -> UUID:
    found = field_text(line_no, value, name)
    try:
        parsed = UUID(found)
    except ValueError:
        parsed = None
    if parsed is None or str(parsed) != found:
        reason = f"{name} must be a UUID in canonical form (lowercase, hyphenated)"
        raise PortableLogError.at(line_no, reason)
    return parsed


def field_state(line_no: int, value: dict[str, Any]) -> bytes:
    if ("state" in value) == ("state_base64" in value):
        raise PortableLogError.at(line_no, "exactly one of state, state_base64")
    if "state" in value:
        try:
            return canonical_json(value["state"])
        except UnicodeError:
            raise PortableLogError.at(line_no, "state is not valid Unicode") from None
    encoded = value["state_base64"]
    try:
        if not isinstance(encoded, str):
            raise TypeError(encoded)
        return base64.b64decode(encoded, validate=True)
    except (TypeError, ValueError, binascii.Error):
        raise PortableLogError.at(line_no, "state_base64 must be base64") from None

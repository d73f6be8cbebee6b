"""Seals: checkpoints of the chain (position + hash) kept outside the database.

A chain alone cannot tell a truncated tail, or a history rewritten by someone
who also recomputed every later hash, from an intact log. A seal can: the log
must still hold, at the sealed position, an event whose hash is the sealed hash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import select

from ticketing.commands.application import APPLICATION_NAME
from ticketing.errors import InvalidInputError
from ticketing.store.chain import GENESIS_HASH
from ticketing.store.findings import Finding
from ticketing.store.portable import HASH_PATTERN

if TYPE_CHECKING:
    from ticketing.store.recorder import TicketingRecorder

SEAL_FORMAT: Final = "ticketing-seal"
SEAL_VERSION: Final = 1


class InvalidSealError(InvalidInputError):
    """A seal file that cannot be read or is not a ticketing seal."""

    code = "invalid_seal"


@dataclass(frozen=True, slots=True)
class Seal:
    """The head of the chain at ``sealed_at``: ``position`` and its ``hash``."""

    position: int
    hash: str
    events: int
    sealed_at: str
    application: str = APPLICATION_NAME

    def as_dict(self) -> dict[str, object]:
        return {
            "format": SEAL_FORMAT,
            "version": SEAL_VERSION,
            "application": self.application,
            "position": self.position,
            "hash": self.hash,
            "events": self.events,
            "sealed_at": self.sealed_at,
        }


def parse_seal(text: str, source: str) -> Seal:
    """Read a seal written by ``ticketing seal``; InvalidSealError names the problem."""
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _bad(source, f"not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise _bad(source, "not a JSON object")
    if data.get("format") != SEAL_FORMAT:
        raise _bad(source, f"format is {data.get('format')!r}, not {SEAL_FORMAT!r}")
    if data.get("version") != SEAL_VERSION:
        raise _bad(
            source,
            f"unsupported seal version {data.get('version')!r} "
            f"(this build reads version {SEAL_VERSION})",
        )
    position = _count(data, "position", source)
    events = _count(data, "events", source)
    digest, sealed_at = data.get("hash"), data.get("sealed_at")
    if not isinstance(digest, str) or not HASH_PATTERN.fullmatch(digest):
        raise _bad(source, "hash must be 64 lowercase hex digits")
    if not isinstance(sealed_at, str):
        raise _bad(source, "sealed_at must be a string")
    application = data.get("application")
    if application != APPLICATION_NAME:
        raise _bad(source, f"seal of application {application!r}, not ticketing")
    return Seal(position, digest, events, sealed_at, application)


def _count(data: dict[str, Any], name: str, source: str) -> int:
    value = data.get(name)
    if type(value) is not int or value < 0:
        raise _bad(source, f"{name} must be a non-negative integer")
    return value


def _bad(source: str, reason: str) -> InvalidSealError:
    return InvalidSealError(
        f"{source}: invalid seal: {reason}", {"file": source, "reason": reason}
    )


def check_seal(
    recorder: TicketingRecorder, seal: Seal, head: tuple[int, str]
) -> Finding | None:
    """Whether the log still holds the sealed event; a Finding when it does not."""
    if seal.position == 0:
        if seal.hash == GENESIS_HASH:
            return None
        return _rewritten(seal, None, "a seal of the empty log must hold the zero hash")
    t = recorder.table
    with recorder.transaction(commit=False) as session:
        query = select(t.c.hash).where(t.c.id == seal.position)
        row = session.connection().execute(query).scalar()
    head_position = head[0]
    if row is None and head_position < seal.position:
        return Finding(
            "seal",
            "truncated",
            seal.position,
            seal.hash,
            None,
            f"the log ends at position {head_position} but was sealed at position "
            f"{seal.position}: events {head_position + 1}..{seal.position} are gone",
            {"head_position": head_position, "sealed_at": seal.sealed_at},
        )
    if row is None:
        return _rewritten(seal, None, "no event is stored at the sealed position")
    if str(row) != seal.hash:
        return _rewritten(seal, str(row), "the event at the sealed position differs")
    return None


def _rewritten(seal: Seal, found: str | None, why: str) -> Finding:
    return Finding(
        "seal",
        "rewritten",
        seal.position,
        seal.hash,
        found,
        f"history up to position {seal.position} was rewritten since it was sealed "
        f"at {seal.sealed_at}: {why}",
        {"sealed_at": seal.sealed_at},
    )

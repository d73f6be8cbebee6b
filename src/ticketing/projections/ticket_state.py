"""Fold ticket events with the aggregate itself and describe each step for auditors.

Used by the audit trail projection and by ``history`` (which reads the log
directly): the same fold, the same diff, so the two can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final
from uuid import UUID

from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, UUIDAsHex

from ticketing.aggregates.envelope import Envelope, EnvelopeAsDict
from ticketing.aggregates.ticket import Ticket

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ticketing.projections.base import LogEvent

JSONValue = Any
_EVENT_METADATA: Final = frozenset(
    {"originator_id", "originator_version", "timestamp", "meta", "originator_topic"}
)


def _transcoder() -> JSONTranscoder:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DatetimeAsISO(), EnvelopeAsDict()):
        transcoder.register(transcoding)
    return transcoder


_CODEC: Final = _transcoder()


#: Values that are already plain JSON (checked by exact type: the hot path).
_PLAIN: Final = frozenset({str, int, float, bool, type(None)})


def to_json(value: object) -> JSONValue:
    """Plain JSON form: datetimes as ISO 8601, UUIDs as strings, tuples as lists."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return value


def public_state(ticket: Ticket) -> dict[str, JSONValue]:
    """The ticket's domain fields as JSON (no library internals)."""
    return {
        name: value if type(value) in _PLAIN else to_json(value)
        for name, value in sorted(vars(ticket).items())
        if name[0] != "_"
    }


def event_data(event: object) -> dict[str, JSONValue]:
    """An event's own fields (what was decided), without envelope and ids."""
    return {
        name: to_json(value)
        for name, value in sorted(vars(event).items())
        if name not in _EVENT_METADATA
    }


def diff(
    before: dict[str, JSONValue], after: dict[str, JSONValue]
) -> dict[str, list[JSONValue]]:
    """Field -> [before, after] for every field that changed."""
    names = sorted(set(before) | set(after))
    return {
        n: [before.get(n), after.get(n)] for n in names if before.get(n) != after.get(n)
    }


def _unsorted_state(ticket: Ticket) -> dict[str, JSONValue]:
    """``public_state`` in attribute order: the fold only diffs it (hot path)."""
    return {
        name: value if type(value) in _PLAIN else to_json(value)
        for name, value in vars(ticket).items()
        if name[0] != "_"
    }


def changed_fields(
    before: dict[str, JSONValue], after: dict[str, JSONValue]
) -> dict[str, list[JSONValue]]:
    """``diff(before, after)``, equal to it, sorting only the changed names."""
    get = before.get
    changed = [n for n, v in after.items() if get(n) != v]
    changed.extend(n for n, v in before.items() if v is not None and n not in after)
    changed.sort()
    return {n: [get(n), after.get(n)] for n in changed}


def freeze(ticket: Ticket) -> bytes:
    """Serialise a ticket's whole state (to keep it between batches)."""
    state = {k: v for k, v in vars(ticket).items() if k != "_pending_events"}
    return _CODEC.encode(state)


def thaw(data: bytes) -> Ticket:
    ticket = object.__new__(Ticket)
    vars(ticket).update(_CODEC.decode(data))
    vars(ticket)["_pending_events"] = []
    return Ticket.normalise_state(ticket)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One event of one ticket, as an auditor reads it."""

    ticket_id: UUID
    version: int
    position: int
    event_type: str
    occurred_at: datetime
    recorded_at: datetime
    envelope: Envelope
    data: dict[str, JSONValue]
    changes: dict[str, list[JSONValue]]

    def as_json(self) -> dict[str, JSONValue]:
        env = self.envelope
        return {
            "ticket_id": str(self.ticket_id),
            "version": self.version,
            "position": self.position,
            "event_type": self.event_type,
            "occurred_at": self.occurred_at.isoformat(),
            "recorded_at": self.recorded_at.isoformat(),
            "actor": {
                "id": env.actor.id,
                "role": env.actor.role,
                "kind": env.actor.kind,
            },
            "command_id": env.command_id,
            "correlation_id": env.correlation_id,
            "causation_id": env.causation_id,
            "rule_id": env.rule_id,
            "rule_set_version": env.rule_set_version,
            "data": self.data,
            "changes": self.changes,
        }


def fold_with_entries(
    ticket: Ticket | None, events: Iterable[LogEvent]
) -> tuple[Ticket | None, list[AuditEntry]]:
    """Apply events to ``ticket`` (None before Opened) and describe each step."""
    entries: list[AuditEntry] = []
    before = _unsorted_state(ticket) if ticket is not None else {}
    for log in events:
        ticket = log.event.mutate(ticket)
        assert ticket is not None  # noqa: S101 - mutate returns the aggregate
        after = _unsorted_state(ticket)  # a snapshot: the next event's "before"
        entries.append(
            AuditEntry(
                ticket_id=log.originator_id,
                version=log.version,
                position=log.position,
                event_type=log.event_type,
                occurred_at=log.event.timestamp,
                recorded_at=log.recorded_at,
                envelope=log.event.meta,
                data=event_data(log.event),
                changes=changed_fields(before, after),
            )
        )
        before = after
    return ticket, entries

"""The audit envelope carried by every event: who, which command, why, when.

``occurred_at`` is the event's ``timestamp`` (domain time, from the injected
clock); ``recorded_at`` is set by the store when the event is appended.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, cast

from eventsourcing.persistence import Transcoding

from ticketing.aggregates.vocabulary import ACTOR_KINDS, ActorKind

if TYPE_CHECKING:
    from datetime import datetime


@dataclass(frozen=True, slots=True)
class Actor:
    """The principal on whose behalf an event was recorded."""

    id: str
    role: str
    kind: ActorKind

    def __post_init__(self) -> None:
        if self.kind not in ACTOR_KINDS:
            msg = f"unknown actor kind {self.kind!r}"
            raise ValueError(msg)
        if not self.id or not self.role:
            msg = "an actor needs an id and a role"
            raise ValueError(msg)


SYSTEM_ACTOR = Actor(id="system", role="system", kind="system")


@dataclass(frozen=True, slots=True)
class Envelope:
    """Provenance of one command, copied onto each event it produced.

    For automated changes ``rule_id`` and ``rule_set_version`` name the rule
    (or SLA threshold) that decided it, ``causation_id`` the triggering event,
    and ``depth`` how many automated steps led here (0 for a human command);
    automation refuses to go beyond a bounded depth (no rule loops).
    ``command_name`` and ``command_fingerprint`` identify the command for
    idempotency, so that the commands index can be rebuilt from the log alone.
    """

    actor: Actor
    command_id: str
    correlation_id: str
    causation_id: str | None = None
    rule_id: str | None = None
    rule_set_version: str | None = None
    depth: int = 0
    command_name: str | None = None
    command_fingerprint: str | None = None


@dataclass(frozen=True, slots=True)
class EventContext:
    """What an aggregate needs to stamp an event: its envelope and domain time."""

    envelope: Envelope
    occurred_at: datetime


#: Decoded actors, shared (they are frozen): a log has few distinct actors
#: and millions of events; building and validating each costs more than a
#: lookup. Bounded: cleared when full.
_ACTORS: dict[tuple[str, str, str], Actor] = {}
_MAX_ACTORS: Final = 4096


def _actor(actor_id: str, role: str, kind: str) -> Actor:
    key = (actor_id, role, kind)
    found = _ACTORS.get(key)
    if found is None:
        found = Actor(id=actor_id, role=role, kind=cast("ActorKind", kind))
        if len(_ACTORS) >= _MAX_ACTORS:
            _ACTORS.clear()
        _ACTORS[key] = found
    return found


class EnvelopeAsDict(Transcoding):
    """Stores an Envelope as a flat JSON object (documented in docs/event-log.md)."""

    type = Envelope
    name = "envelope"

    def encode(self, obj: Any) -> dict[str, Any]:
        env = cast("Envelope", obj)
        return {
            "actor_id": env.actor.id,
            "actor_role": env.actor.role,
            "actor_kind": env.actor.kind,
            "command_id": env.command_id,
            "correlation_id": env.correlation_id,
            "causation_id": env.causation_id,
            "rule_id": env.rule_id,
            "rule_set_version": env.rule_set_version,
            "depth": env.depth,
            "command_name": env.command_name,
            "command_fingerprint": env.command_fingerprint,
        }

    def decode(self, data: Any) -> Envelope:
        d = cast("dict[str, Any]", data)
        return Envelope(
            actor=_actor(d["actor_id"], d["actor_role"], d["actor_kind"]),
            command_id=d["command_id"],
            correlation_id=d["correlation_id"],
            causation_id=d.get("causation_id"),
            rule_id=d.get("rule_id"),
            rule_set_version=d.get("rule_set_version"),
            depth=int(d.get("depth", 0)),
            command_name=d.get("command_name"),
            command_fingerprint=d.get("command_fingerprint"),
        )

"""Who activated which rule-set version when: read from the policy track's events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ticketing.aggregates.policy import PolicyTrack, policy_track_id
from ticketing.rules.activations import RULES_KIND

if TYPE_CHECKING:
    from datetime import datetime

    from ticketing.projections.catchup import LogSource


@dataclass(frozen=True, slots=True)
class ActivationRecord:
    """One recorded activation, with its provenance and its place in time."""

    version: str
    effective_from: datetime
    sha256: str
    documents: tuple[str, ...]
    actor: str
    actor_kind: str
    occurred_at: datetime
    recorded_at: datetime
    command_id: str
    position: int
    status: str  # in force | scheduled | superseded

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self.__slots__:
            value = getattr(self, name)
            out[name] = value.isoformat() if hasattr(value, "isoformat") else value
        out["documents"] = list(self.documents)
        return out


def activation_history(source: LogSource, now: datetime) -> list[ActivationRecord]:
    """Every rule-set activation in log order; ``status`` as of ``now``."""
    records = source.recorder.select_aggregate_records(policy_track_id(RULES_KIND))
    found = [
        log
        for log in source.decode(records)
        if isinstance(log.event, PolicyTrack.Activated)
    ]
    effective = [log for log in found if log.event.effective_from <= now]
    in_force = max(
        effective,
        key=lambda log: (log.event.effective_from, log.position),
        default=None,
    )
    history: list[ActivationRecord] = []
    for log in found:
        event = log.event
        if log is in_force:
            status = "in force"
        elif event.effective_from > now:
            status = "scheduled"
        else:
            status = "superseded"
        history.append(
            ActivationRecord(
                version=event.version,
                effective_from=event.effective_from,
                sha256=event.sha256,
                documents=tuple(sorted(event.documents)),
                actor=event.meta.actor.id,
                actor_kind=event.meta.actor.kind,
                occurred_at=event.timestamp,
                recorded_at=log.recorded_at,
                command_id=event.meta.command_id,
                position=log.position,
                status=status,
            )
        )
    return history

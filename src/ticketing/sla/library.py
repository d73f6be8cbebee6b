"""Which SLA policy version applies to a ticket, and its evaluator.

Activations come from the log (``PolicyTrack.Activated``, kind "sla"), with
their documents, so nothing depends on files. A ticket is judged by the
version in force when it was opened, by the activations recorded before its
``Opened`` event: the latest-recorded activation governs from its
``effective_from`` on (it replaces any pending one taking effect at or after
that instant). Before any activation applies, the published default does.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from ticketing.aggregates.policy import PolicyTrack, policy_track_id
from ticketing.policies.calendar_file import PUBLISHED_CALENDARS
from ticketing.policies.sla_file import DEFAULT_SLA_VERSION, load_sla_policy
from ticketing.sla.clocks import SlaEvaluator
from ticketing.sla.validate import SLA_KIND, parse_sla_documents

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import datetime

    from ticketing.projections.base import LogEvent
    from ticketing.sla.validate import SlaBundle

#: How a ticket row names the published default (no activation applied).
DEFAULT_SOURCE: Final = "published default (no activation in force)"
SLA_TRACK_ID: Final = policy_track_id(SLA_KIND)


@dataclass(frozen=True, slots=True)
class Activation:
    """One recorded SLA activation, as the projection keeps it."""

    position: int
    version: str
    sha256: str
    effective_from: datetime
    activated_at: datetime
    actor_id: str
    documents: Mapping[str, str] = field(hash=False, compare=False)

    @classmethod
    def from_log(cls, log: LogEvent) -> Activation | None:
        """The activation recorded by ``log``, if it is an SLA one."""
        e = log.event
        if not isinstance(e, PolicyTrack.Activated) or not _is_sla(e):
            return None
        return cls(
            position=log.position,
            version=e.version,
            sha256=e.sha256,
            effective_from=e.effective_from,
            activated_at=e.timestamp,
            actor_id=e.meta.actor.id,
            documents=dict(e.documents),
        )

    def row(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "version": self.version,
            "sha256": self.sha256,
            "effective_from": self.effective_from,
            "activated_at": self.activated_at,
            "actor_id": self.actor_id,
            "documents": json.dumps(dict(self.documents), sort_keys=True),
        }

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Activation:
        return cls(
            position=int(row["position"]),
            version=row["version"],
            sha256=row["sha256"],
            effective_from=row["effective_from"],
            activated_at=row["activated_at"],
            actor_id=row["actor_id"],
            documents=json.loads(row["documents"]),
        )


def _is_sla(event: PolicyTrack.Activated) -> bool:
    """Activated events of the SLA track only (the kind is fixed by the track id)."""
    return bool(event.originator_id == SLA_TRACK_ID)


class Schedule:
    """Activations in log order -> the version in force at an instant."""

    def __init__(self, activations: Iterable[Activation] = ()) -> None:
        self._entries: list[Activation] = []
        for activation in activations:
            self.add(activation)

    def add(self, activation: Activation) -> None:
        """Record a later activation: it replaces pending ones from its instant on."""
        keep = [
            a for a in self._entries if a.effective_from < activation.effective_from
        ]
        self._entries = [*keep, activation]

    def in_force(self, at: datetime) -> Activation | None:
        """The activation governing instant ``at`` (None: the published default)."""
        starts = [a.effective_from for a in self._entries]
        index = bisect.bisect_right(starts, at)
        return self._entries[index - 1] if index else None

    @property
    def entries(self) -> tuple[Activation, ...]:
        return tuple(self._entries)


class PolicyLibrary:
    """Evaluators by activation (parsed once per document digest) and by version."""

    def __init__(self) -> None:
        self._by_digest: dict[str, SlaEvaluator] = {}
        self._default: SlaEvaluator | None = None

    def default(self) -> SlaEvaluator:
        """The published default policy over the published calendars."""
        if self._default is None:
            self._default = SlaEvaluator(
                load_sla_policy(DEFAULT_SLA_VERSION), PUBLISHED_CALENDARS
            )
        return self._default

    def for_activation(self, activation: Activation | None) -> SlaEvaluator:
        if activation is None:
            return self.default()
        found = self._by_digest.get(activation.sha256)
        if found is None:
            found = parse_sla_documents(activation.documents).evaluator()
            self._by_digest[activation.sha256] = found
        return found

    def for_candidate(self, bundle: SlaBundle) -> SlaEvaluator:
        """The evaluator of a what-if candidate (parsed already)."""
        found = self._by_digest.get(bundle.sha256)
        if found is None:
            found = self._by_digest[bundle.sha256] = bundle.evaluator()
        return found

    def for_version(
        self, version: str, activations: Iterable[Activation]
    ) -> SlaEvaluator:
        """The evaluator of ``version`` as activated (or the published default)."""
        for activation in activations:
            if activation.version == version:
                return self.for_activation(activation)
        if version == DEFAULT_SLA_VERSION:
            return self.default()
        msg = f"SLA policy {version!r} was never activated"
        raise LookupError(msg)

"""Which version of each policy was in force when: a fact in the log.

One ``PolicyTrack`` per policy kind (SLA policy, rule set, ...), identified by
a uuid5 of the kind. Activating a version records who did it, when it takes
effect, and the exact documents (the policy file and the files it references,
e.g. calendars) with their SHA-256, so a report can be recomputed years later
from the log alone, whatever happened to the files.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any, Final, Literal, get_args

from eventsourcing.domain import Aggregate

from ticketing.errors import InvalidTransitionError, NoChangeError
from ticketing.ids import natural_id

if TYPE_CHECKING:
    import builtins
    from datetime import datetime
    from uuid import UUID

    from ticketing.aggregates.envelope import Envelope, EventContext

PolicyKind = Literal["sla", "rules"]
POLICY_KINDS: Final[tuple[PolicyKind, ...]] = get_args(PolicyKind)


def policy_track_id(kind: PolicyKind) -> UUID:
    return natural_id("policy-track", kind)


def documents_digest(documents: dict[str, str]) -> str:
    """SHA-256 over the documents, name by name in sorted order."""
    digest = hashlib.sha256()
    for name in sorted(documents):
        digest.update(name.encode() + b"\x00" + documents[name].encode() + b"\x00")
    return digest.hexdigest()


class PolicyEvent(Aggregate.Event):
    class_version = 1
    meta: Envelope


class PolicyTrack(Aggregate):
    """The activation history of one kind of policy."""

    class Started(PolicyEvent, Aggregate.Created):
        kind: PolicyKind

        def apply(self, aggregate: PolicyTrack) -> None:
            aggregate.kind = self.kind
            aggregate.activations = []

    class Activated(PolicyEvent):
        version: str
        effective_from: datetime
        documents: dict[str, str]
        sha256: str

        def apply(self, aggregate: PolicyTrack) -> None:
            aggregate.activations = [
                *aggregate.activations,
                (self.version, self.effective_from, self.sha256),
            ]

    kind: PolicyKind
    #: (version, effective_from, sha256) in activation order.
    activations: list[tuple[str, datetime, str]]

    def __init__(self) -> None:
        """State is set by ``Started.apply``."""

    @classmethod
    def start(cls, kind: PolicyKind, ctx: EventContext) -> PolicyTrack:
        return cls._create(
            cls.Started,
            id=policy_track_id(kind),
            timestamp=ctx.occurred_at,
            meta=ctx.envelope,
            kind=kind,
        )

    @property
    def active_version(self) -> str | None:
        return self.activations[-1][0] if self.activations else None

    def activate(
        self,
        ctx: EventContext,
        version: str,
        effective_from: datetime,
        documents: dict[str, str],
    ) -> None:
        """Put ``version`` in force from ``effective_from`` (never in the past)."""
        if effective_from < ctx.occurred_at:
            raise InvalidTransitionError(
                "a policy cannot take effect in the past: its figures would change "
                "retroactively (use what-if to compare instead)",
                {"kind": self.kind, "version": version},
            )
        digest = documents_digest(documents)
        for known_version, _, known_digest in self.activations:
            if known_version == version and known_digest != digest:
                raise InvalidTransitionError(
                    f"{self.kind} version {version} was published with different "
                    "content; published versions are immutable, use a new version",
                    {"kind": self.kind, "version": version},
                )
        if self.activations and self.activations[-1][0] == version:
            raise NoChangeError(
                f"{self.kind} version {version} is already active",
                {"kind": self.kind, "version": version},
            )
        self._trigger(
            ctx,
            PolicyTrack.Activated,
            version=version,
            effective_from=effective_from,
            documents=dict(documents),
            sha256=digest,
        )

    def _trigger(
        self, ctx: EventContext, event_class: builtins.type[PolicyEvent], **fields: Any
    ) -> None:
        self.trigger_event(
            event_class, timestamp=ctx.occurred_at, meta=ctx.envelope, **fields
        )

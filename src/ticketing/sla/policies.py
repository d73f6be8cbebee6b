"""SLA policy activations as the log records them, and the version in force."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ticketing.policies.sla_file import DEFAULT_SLA_VERSION, published_sla_versions
from ticketing.sla.evidence import instant_text
from ticketing.sla.library import SLA_TRACK_ID, Activation, Schedule

if TYPE_CHECKING:
    from datetime import datetime

    from ticketing.projections.manage import ProjectionHost


@dataclass(frozen=True, slots=True)
class PolicyListing:
    """Every SLA activation (log order) and what a ticket opened ``now`` gets."""

    now: datetime
    activations: list[Activation]
    in_force: Activation | None
    published: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        current = self.in_force
        return {
            "now": instant_text(self.now),
            "in_force": {
                "version": DEFAULT_SLA_VERSION if current is None else current.version,
                "source": "published default (no activation in force)"
                if current is None
                else f"activation at position {current.position}",
            },
            "activations": [
                {
                    "position": a.position,
                    "version": a.version,
                    "sha256": a.sha256,
                    "effective_from": instant_text(a.effective_from),
                    "activated_at": instant_text(a.activated_at),
                    "activated_by": a.actor_id,
                    "documents": sorted(a.documents),
                }
                for a in self.activations
            ],
            "published": list(self.published),
        }


def list_policies(host: ProjectionHost, now: datetime) -> PolicyListing:
    """Read the SLA policy track straight from the log (no projection needed)."""
    records = host.source.recorder.select_aggregate_records(SLA_TRACK_ID)
    activations = [
        found
        for log in host.source.decode(records)
        if (found := Activation.from_log(log)) is not None
    ]
    return PolicyListing(
        now=now,
        activations=activations,
        in_force=Schedule(activations).in_force(now),
        published=published_sla_versions(),
    )

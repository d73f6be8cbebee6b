"""SLA policy activations as the log records them, and the version in force."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ticketing.errors import PolicyError
from ticketing.policies.sla_file import DATA_DIR as POLICY_DIR
from ticketing.policies.sla_file import DEFAULT_SLA_VERSION, published_sla_versions
from ticketing.sla.evidence import instant_text
from ticketing.sla.library import SLA_TRACK_ID, Activation, Schedule
from ticketing.sla.validate import (
    load_candidate,
    load_published,
    parse_sla_documents,
)

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from ticketing.projections.manage import ProjectionHost
    from ticketing.sla.validate import SlaBundle


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


def resolve_policy(
    host: ProjectionHost, ref: str, calendar_files: Iterable[Path] = ()
) -> SlaBundle:
    """A policy by file, by published version, or by a version activated in the log.

    An activated version is rebuilt from the documents its activation recorded
    (the latest activation of that version name).
    """
    path = Path(ref)
    published = POLICY_DIR / f"{ref}.toml"
    if ref.endswith(".toml") or path.exists() or published.is_file():
        return load_candidate(ref, calendar_files)
    return resolve_version(host, ref)


def resolve_version(host: ProjectionHost, ref: str) -> SlaBundle:
    """A policy by version name only: published, or activated in the log.

    Never reads a file named by ``ref`` (what a remote caller may ask for).
    """
    if ref in published_sla_versions():
        return load_published(ref)
    records = host.source.recorder.select_aggregate_records(SLA_TRACK_ID)
    activated = [
        found
        for log in host.source.decode(records)
        if (found := Activation.from_log(log)) is not None and found.version == ref
    ]
    if not activated:
        known = sorted({*published_sla_versions(), *_activated_versions(host)})
        raise PolicyError.at(
            ref, "version", f"no SLA policy {ref!r}; known: {', '.join(known)}"
        )
    return parse_sla_documents(activated[-1].documents)


def _activated_versions(host: ProjectionHost) -> set[str]:
    records = host.source.recorder.select_aggregate_records(SLA_TRACK_ID)
    return {
        found.version
        for log in host.source.decode(records)
        if (found := Activation.from_log(log)) is not None
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

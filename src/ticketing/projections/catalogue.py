"""The projections this build knows, by key."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ticketing.errors import UnknownProjectionError
from ticketing.projections.audit_trail import AuditTrail
from ticketing.projections.queue_view import QueueView
from ticketing.sla.projection import SlaProjection

if TYPE_CHECKING:
    from ticketing.projections.base import Projection


def default_projections() -> dict[str, Projection[Any]]:
    """Fresh instances of every projection, by key, in a stable order."""
    projections: list[Projection[Any]] = [QueueView(), AuditTrail(), SlaProjection()]
    return {p.key: p for p in projections}


def select_projections(
    available: dict[str, Projection[Any]], keys: list[str] | None
) -> list[Projection[Any]]:
    """The projections named by ``keys`` (all when empty); unknown keys are errors."""
    if not keys:
        return list(available.values())
    unknown = [k for k in keys if k not in available]
    if unknown:
        raise UnknownProjectionError(
            f"unknown projection(s): {', '.join(unknown)}; "
            f"known: {', '.join(available)}",
            {"unknown": unknown, "known": list(available)},
        )
    return [available[k] for k in keys]

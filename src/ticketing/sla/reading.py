"""Reading an SLA projection: its tables, its checkpoint, and the policies behind rows.

A row names the policy that judged it (the activation's position, or the
published default, or a what-if candidate); ``SlaView`` turns that back into
the evaluator and calendars, parsed from the documents the log recorded.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ticketing.errors import CheckpointMovedError, ProjectionError
from ticketing.projections.catchup import catch_up
from ticketing.sla.library import Activation, PolicyLibrary
from ticketing.sla.projection import SLA_KEY, SlaProjection

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from ticketing.policies.calendar import Calendar
    from ticketing.projections import registry
    from ticketing.projections.manage import ProjectionHost
    from ticketing.sla.clocks import SlaEvaluator
    from ticketing.sla.tables import SlaTables
    from ticketing.sla.validate import SlaBundle


@dataclass
class SlaView:
    """One SLA projection's tables at a checkpoint, with its policies."""

    tables: SlaTables
    position: int
    activations: list[Activation]
    library: PolicyLibrary
    candidate: SlaBundle | None = None

    def evaluator(self, policy_position: int | None) -> SlaEvaluator:
        """The evaluator a row with this ``policy_position`` was judged by."""
        if self.candidate is not None:
            return self.library.for_candidate(self.candidate)
        if policy_position is None:
            return self.library.default()
        for activation in self.activations:
            if activation.position == policy_position:
                return self.library.for_activation(activation)
        msg = f"no SLA activation at position {policy_position}"
        raise LookupError(msg)

    def activation(self, policy_position: int | None) -> Activation | None:
        for activation in self.activations:
            if activation.position == policy_position:
                return activation
        return None

    def calendar_of(self, row: Any) -> Calendar:
        """The calendar of a clock row (joined with its ticket's policy_position)."""
        return self.evaluator(row.policy_position).calendars[row.calendar_version]


def read_view(
    conn: Connection,
    tables: SlaTables,
    position: int,
    candidate: SlaBundle | None = None,
) -> SlaView:
    p = tables.policies
    activations = [
        Activation.from_row(dict(r._mapping))
        for r in conn.execute(select(p).order_by(p.c.position))
    ]
    return SlaView(tables, position, activations, PolicyLibrary(), candidate)


def live_projection(host: ProjectionHost) -> SlaProjection:
    found = host.projections.get(SLA_KEY)
    if not isinstance(found, SlaProjection):
        raise ProjectionError(
            "this build has no live SLA projection", {"projection": SLA_KEY}
        )
    return found


def active_view(host: ProjectionHost, conn: Connection) -> SlaView:
    """The live SLA projection as queries see it (its active generation)."""
    view = host.active_view(conn, SLA_KEY)
    return read_view(conn, view.tables, view.generation.position)


def refresh(host: ProjectionHost) -> registry.Generation:
    """Bring the live SLA projection up to the head (as a runner would).

    Another runner advancing it at the same time is fine: its work counts.
    """
    projection = live_projection(host)
    generation = host.ensure_active(projection)
    with contextlib.suppress(CheckpointMovedError):
        catch_up(host.source, projection, generation)
    return host.ensure_active(projection)

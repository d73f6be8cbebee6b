"""What the rules engine needs from the SLA engine: the elapsed share of a target.

The SLA engine (built separately) owns the clocks, calendars and targets. Rules
only read ``sla_percent``; time rules also need to know *when* a ticket will
reach a percentage, to wake up at that instant instead of polling. Both must
be computed from the log and the versioned SLA policy only (no wall clock),
so rules decide the same way on replay. Without a provider, ``sla_percent`` is
null and conditions such as ``(sla_percent ?? 0.0) >= 80.0`` do not match.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID


@runtime_checkable
class SlaProvider(Protocol):
    """The SLA engine's answer for one ticket (None: no SLA clock applies)."""

    def percent(self, ticket_id: UUID, at: datetime) -> float | None:
        """Elapsed share of the ticket's current SLA target at ``at``, in %."""
        ...

    def reaches(self, ticket_id: UUID, percent: float) -> datetime | None:
        """When the running clock reaches ``percent`` (None: paused, stopped, or
        no target); recomputed whenever the ticket changes."""
        ...

"""The SLA evaluator: fold a ticket's events one at a time, measure on demand.

Pure and incremental. A projection keeps one SlaState per ticket, calls
``fold`` for each event (cheap: no calendar arithmetic) and ``evaluate`` when
it needs figures; the wall clock is never read, ``as_of`` is always passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ticketing.aggregates.ticket import Ticket
from ticketing.errors import PolicyError
from ticketing.policies.calendar import as_utc
from ticketing.sla.fold import fold_event, open_state
from ticketing.sla.measure import Measure
from ticketing.sla.model import SlaEvaluation

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import datetime

    from ticketing.aggregates.ticket import TicketEvent
    from ticketing.policies.calendar import Calendar
    from ticketing.policies.sla import SlaPolicy
    from ticketing.sla.state import SlaState


@dataclass(frozen=True, slots=True)
class SlaEvaluator:
    """SLA clocks of tickets under one policy version and its calendars.

    ``calendars`` maps calendar versions to calendars (e.g. PUBLISHED_CALENDARS
    or a candidate set for a what-if); every calendar the policy names must be
    there, checked at construction.
    """

    policy: SlaPolicy
    calendars: Mapping[str, Calendar] = field(hash=False)

    def __post_init__(self) -> None:
        known: dict[str, Calendar] = {}
        for version in sorted(self.policy.calendar_versions):
            if version not in self.calendars:
                reason = f"calendar {version!r} was not provided"
                raise PolicyError.at(self.policy.version, "calendars", reason)
            known[version] = self.calendars[version]
        object.__setattr__(self, "calendars", known)

    def fold(
        self, state: SlaState | None, position: int, event: TicketEvent
    ) -> SlaState:
        """The state after ``event`` (at global ``position``) of one ticket.

        Start with ``state=None`` and the ticket's Opened event; then feed its
        events in log order. Events that cannot affect a clock are skipped cheaply.
        """
        if state is None:
            if not isinstance(event, Ticket.Opened):
                msg = f"an SLA history starts with Opened, not {type(event).__name__}"
                raise ValueError(msg)
            return open_state(self.policy, position, event)
        if isinstance(event, Ticket.Opened):
            msg = f"ticket {state.ticket_id} was already opened"
            raise ValueError(msg)
        return fold_event(self.policy, state, position, event)

    def fold_all(
        self,
        history: Iterable[tuple[int, TicketEvent]],
        state: SlaState | None = None,
    ) -> SlaState:
        """Fold a sequence of ``(position, event)`` pairs, starting from ``state``."""
        for position, event in history:
            state = self.fold(state, position, event)
        if state is None:
            msg = "an SLA history needs at least the Opened event"
            raise ValueError(msg)
        return state

    def evaluate(self, state: SlaState, as_of: datetime) -> SlaEvaluation:
        """Every clock of the ticket, measured at ``as_of``.

        ``as_of`` may not precede the last folded event: to see the clocks as of
        an earlier time, fold only the events up to that time.
        """
        as_of = as_utc(as_of)
        if state.policy_version != self.policy.version:
            msg = (
                f"state folded under policy {state.policy_version}, "
                f"evaluated under {self.policy.version}"
            )
            raise ValueError(msg)
        if as_of < state.last.occurred_at:
            msg = (
                f"as_of {as_of.isoformat()} is before the last folded event "
                f"at {state.last.occurred_at.isoformat()}"
            )
            raise ValueError(msg)
        measure = Measure(self.policy, self.calendars, as_of)
        return SlaEvaluation(
            ticket_id=state.ticket_id,
            policy_version=self.policy.version,
            as_of=as_of,
            clocks=tuple(measure.clock(state, track) for track in state.clocks),
        )

    def evaluate_history(
        self, history: Iterable[tuple[int, TicketEvent]], as_of: datetime
    ) -> SlaEvaluation:
        """Fold a whole history and evaluate it at ``as_of`` (convenience)."""
        return self.evaluate(self.fold_all(history), as_of)

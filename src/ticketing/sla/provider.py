"""The SLA engine's answer to the rules engine: ``sla_percent`` and when it is reached.

``LogSlaProvider`` implements ``ticketing.rules.sla.SlaProvider`` over the log
and the SLA evaluator, not over the projection's tables: a rule reacting to
an event must see that event's effect on the clock, and the projection may
not have caught up yet. A ticket is judged by the same policy version the
SLA projection gives it (the activation in force when it was opened, by the
activations recorded before its ``Opened`` event; else the published
default), and only the ticket's own events count, so the answers are the
same on replay. The wall clock is never read: "now" is always an argument.

Which clock: the latest clock of one metric (``resolution`` by default, the
one the "% of the SLA target" rules are about). Only a live clock (running
or paused) has a percentage; once it has stopped or was canceled the answer
is None, so a time rule never acts on a resolved ticket because of its SLA.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import timedelta
from typing import TYPE_CHECKING, Final

from ticketing.aggregates.ticket import Ticket
from ticketing.policies.calendar import as_utc
from ticketing.sla.fold import SLA_EVENT_TYPES
from ticketing.sla.library import SLA_TRACK_ID, Activation, PolicyLibrary, Schedule
from ticketing.sla.measure import reach_instant

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from ticketing.aggregates.ticket import TicketEvent
    from ticketing.policies.sla import Metric
    from ticketing.projections.source import LogSource
    from ticketing.sla.clocks import SlaEvaluator
    from ticketing.sla.model import ClockResult

#: Tickets whose judging evaluator is remembered (it never changes for a ticket).
CACHE_SIZE: Final = 10_000

History = list[tuple[int, "TicketEvent"]]


class LogSlaProvider:
    """``SlaProvider`` from the ticket's events and its SLA policy version."""

    def __init__(self, source: LogSource, metric: Metric = "resolution") -> None:
        self.source = source
        self.metric: Metric = metric
        self.library = PolicyLibrary()
        self._judges: OrderedDict[UUID, SlaEvaluator] = OrderedDict()

    def percent(self, ticket_id: UUID, at: datetime) -> float | None:
        """Elapsed share of the live clock's target at ``at`` (events up to ``at``)."""
        moment = as_utc(at)
        found = self._history(ticket_id)
        if found is None:
            return None
        evaluator, history = found
        before = [(p, e) for p, e in history if as_utc(e.timestamp) <= moment]
        if not before:
            return None
        clock = self._live_clock(evaluator, before, moment)
        if clock is None or not clock.target:
            return None
        return round(100 * (clock.elapsed / clock.target), 6)

    def reaches(self, ticket_id: UUID, percent: float) -> datetime | None:
        """When the running clock reaches ``percent`` of its target.

        Measured as of the ticket's last clock-relevant event, so a change
        (a pause, a new priority) moves the answer; None unless running.
        """
        found = self._history(ticket_id)
        if found is None or not found[1]:
            return None
        evaluator, history = found
        last = max(as_utc(e.timestamp) for _, e in history)
        clock = self._live_clock(evaluator, history, last)
        if clock is None or clock.state != "running":
            return None
        amount = timedelta(seconds=clock.target.total_seconds() * percent / 100)
        return reach_instant(clock, evaluator.calendars[clock.calendar_version], amount)

    # -- reading ----------------------------------------------------------------

    def _live_clock(
        self, evaluator: SlaEvaluator, history: History, at: datetime
    ) -> ClockResult | None:
        state = evaluator.fold_all(history)
        clocks = evaluator.evaluate(state, at).of(self.metric)
        if not clocks or not clocks[-1].is_live:
            return None
        return clocks[-1]

    def _history(self, ticket_id: UUID) -> tuple[SlaEvaluator, History] | None:
        records = self.source.recorder.select_aggregate_records(ticket_id)
        history: History = [
            (log.position, log.event)
            for log in self.source.decode(records)
            if isinstance(log.event, SLA_EVENT_TYPES)
        ]
        if not history or not isinstance(history[0][1], Ticket.Opened):
            return None
        return self._judge(ticket_id, history[0]), history

    def _judge(self, ticket_id: UUID, opened: tuple[int, TicketEvent]) -> SlaEvaluator:
        found = self._judges.get(ticket_id)
        if found is not None:
            self._judges.move_to_end(ticket_id)
            return found
        position, event = opened
        records = self.source.recorder.select_aggregate_records(SLA_TRACK_ID)
        recorded_before = [
            activation
            for log in self.source.decode(records)
            if log.position < position
            and (activation := Activation.from_log(log)) is not None
        ]
        in_force = Schedule(recorded_before).in_force(as_utc(event.timestamp))
        found = self.library.for_activation(in_force)
        self._judges[ticket_id] = found
        if len(self._judges) > CACHE_SIZE:
            self._judges.popitem(last=False)
        return found

"""Time rules (``on = ["time"]``) as a timer source for the automation scheduler.

A time rule's condition can only change its mind at certain instants: when
``age`` or ``idle`` passes one of the durations it names (opened_at + D,
last activity + D), at a date-time it names, when ``sla_percent`` reaches a
number it names (asked of the SLA engine), and, if it reads ``now``'s parts,
at each full hour. For every open ticket the source keeps the next such
instant; when it has passed, the ticket's time rules are evaluated at ``now``
and each resulting command becomes a ``Due`` whose key is (ticket, rule,
action, instant), so it fires at most once. ``armed_at`` is the store time of
the event the instant was computed from: an imported ticket's old thresholds
are history and never fire.
"""

from __future__ import annotations

import heapq
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from ticketing.automation.processor import Reaction
from ticketing.automation.scheduler import Due
from ticketing.ids import NAMESPACE
from ticketing.rules.decide import Situation, plan
from ticketing.rules.expressions import condition_literals
from ticketing.rules.facts import facts_from_ticket
from ticketing.rules.reactor import PROCESSOR_KEY, webhook_request
from ticketing.rules.view import RulesView

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from uuid import UUID

    from ticketing.aggregates.ticket import Ticket
    from ticketing.policies.priority import PriorityMatrix
    from ticketing.rules.model import RuleSet
    from ticketing.rules.reactor import WebhookSink
    from ticketing.rules.sla import SlaProvider
    from ticketing.rules.state import TicketTrack
    from ticketing.rules.view import LogReader

logger = logging.getLogger(__name__)

TIMERS_LOCK: Final = "scheduler:rules"
_HOUR: Final = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Anchors:
    """What the time rules of one rule set depend on."""

    durations: frozenset[timedelta]
    instants: frozenset[datetime]
    sla_percents: frozenset[float]
    hourly: bool

    @classmethod
    def of(cls, rule_set: RuleSet) -> Anchors:
        durations: set[timedelta] = set()
        instants: set[datetime] = set()
        percents: set[float] = set()
        hourly = False
        for rule in rule_set.rules:
            if "time" not in rule.triggers:
                continue
            found = condition_literals(rule.condition)
            durations |= found.durations
            instants |= found.instants
            percents |= {n for f, n in found.thresholds if f == "sla_percent" and n > 0}
            hourly = hourly or "now" in found.fields
        return cls(
            frozenset(durations), frozenset(instants), frozenset(percents), hourly
        )


@dataclass(frozen=True, slots=True)
class Moment:
    """An instant at which a ticket's time rules may change their mind."""

    at: datetime
    armed_at: datetime


class TimeRules:
    """``TimerSource`` for time rules; follows the log with its own rules state."""

    name = "rules-time"

    def __init__(
        self,
        reader: LogReader,
        ticket_now: Callable[[UUID], Ticket],
        matrix: PriorityMatrix,
        webhooks: WebhookSink | None = None,
        sla: SlaProvider | None = None,
    ) -> None:
        self.view = RulesView(reader, PROCESSOR_KEY)
        self.ticket_now, self.matrix = ticket_now, matrix
        self.webhooks, self.sla = webhooks, sla
        self._anchors: tuple[str, Anchors] | None = None
        self._heap: list[tuple[datetime, str, UUID]] = []
        self._next: dict[UUID, datetime] = {}
        self._checked: dict[UUID, datetime] = {}

    def due(self, now: datetime) -> Iterable[Due]:
        changed = {
            log.originator_id for log in self.view.advance(self.view.reader.head())
        }
        rule_set = self.view.state.timeline.rule_set_at(now)
        if rule_set is None:
            return []
        if self._anchors is None or self._anchors[0] != rule_set.digest:
            # another rule set: other instants matter for every open ticket
            self._anchors = (rule_set.digest, Anchors.of(rule_set))
            changed = set(self.view.state.tickets)
        anchors = self._anchors[1]
        for ticket_id in changed & self.view.state.tickets.keys():
            self._schedule(ticket_id, anchors, after=self._checked.get(ticket_id))
        found: list[Due] = []
        while self._heap and self._heap[0][0] <= now:
            at, _, ticket_id = heapq.heappop(self._heap)
            if self._next.get(ticket_id) != at:
                continue  # rescheduled since
            del self._next[ticket_id]
            found.extend(self._evaluate(ticket_id, rule_set, anchors, now))
        return found

    def moments(self, ticket_id: UUID, track: TicketTrack, a: Anchors) -> list[Moment]:
        """Every instant at which this ticket's time rules may change their mind."""
        found = [
            Moment(track.opened_at + d, track.opened_recorded_at) for d in a.durations
        ]
        found += [
            Moment(track.last_at + d, track.last_recorded_at) for d in a.durations
        ]
        # date-times and SLA thresholds are history if they passed before the
        # ticket was recorded (an import), not if it changed since
        found += [Moment(i, track.opened_recorded_at) for i in a.instants]
        for percent in a.sla_percents if self.sla else ():
            at = self.sla.reaches(ticket_id, percent) if self.sla else None
            if at is not None:
                found.append(Moment(at, track.opened_recorded_at))
        return found

    def _schedule(
        self, ticket_id: UUID, anchors: Anchors, after: datetime | None
    ) -> None:
        track = self.view.state.tickets.get(ticket_id)
        if track is None:
            self._next.pop(ticket_id, None)
            return
        instants = [m.at for m in self.moments(ticket_id, track, anchors)]
        if anchors.hourly:
            base = after or track.last_at
            instants.append(base.replace(minute=0, second=0, microsecond=0) + _HOUR)
        pending = [i for i in instants if after is None or i > after]
        if not pending:
            self._next.pop(ticket_id, None)
            return
        at = min(pending)
        self._next[ticket_id] = at
        heapq.heappush(self._heap, (at, str(ticket_id), ticket_id))

    def _evaluate(
        self, ticket_id: UUID, rule_set: RuleSet, anchors: Anchors, now: datetime
    ) -> list[Due]:
        track = self.view.state.tickets.get(ticket_id)
        self._checked[ticket_id] = now
        if track is None:
            return []
        passed = [m for m in self.moments(ticket_id, track, anchors) if m.at <= now]
        moment = max(
            passed, key=lambda m: m.at, default=Moment(now, track.last_recorded_at)
        )
        self._schedule(ticket_id, anchors, after=now)
        ticket = self.view.tickets.get(ticket_id, track.version)
        if ticket is None:
            ticket = self.ticket_now(ticket_id)
        sla = self.sla.percent(ticket_id, now) if self.sla else None
        state = self.view.state
        situation = Situation(
            ticket_id,
            facts_from_ticket(ticket, sla_percent=sla),
            "time",
            now,
            0,
            state.directory(rule_set.queues),
            state.load,
            state.cursors,
        )
        decided = plan(rule_set, situation, self.matrix)
        dues: list[Due] = []
        for step in decided.steps:
            rule_id, kind = step.decision.rule_id, step.decision.kind
            key = f"rules:{ticket_id}:{rule_id}:{kind}:{moment.at.isoformat()}"
            if step.command is None:
                if self.webhooks is not None and moment.at >= moment.armed_at:
                    self.webhooks.enqueue(
                        webhook_request(step, key, ticket, situation, None)
                    )
                continue
            reaction = Reaction(
                step.command,
                step.decision.rule_id,
                rule_set.version,
                step.decision.kind,
                rule_set.max_chain_depth,
            )
            dues.append(
                Due(
                    key=key,
                    due_at=moment.at,
                    armed_at=moment.armed_at,
                    reaction=reaction,
                    causation_id=f"{ticket_id}:{ticket.version}",
                    correlation_id=str(uuid.uuid5(NAMESPACE, key)),
                )
            )
        return dues

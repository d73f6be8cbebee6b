"""The rules engine as an automation reactor: events in, attributed commands out.

For each ticket event the automation processor hands over, the reactor brings
its view of the log up to that event (``rules.view``), takes the rule set in
force at the event's time, evaluates it on the ticket as of that event and
returns one ``Reaction`` per command to issue. Webhook decisions go to the
outbox instead (deterministic ids, so re-processing never calls twice).
Events recorded by imports never get here (the processor skips them).

Unlike the pure reactors the processor's protocol has in mind, this one reads
the log itself (the processor skips imported events, which still count for
load and the directory) and writes webhook requests to the outbox; both
depend on the log only, so its decisions stay a function of the history.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Final, Protocol, TypeAlias

from ticketing.automation.limits import MAX_CHAIN_DEPTH
from ticketing.automation.processor import Reaction, event_id
from ticketing.rules.actions import WebhookAction
from ticketing.rules.decide import Plan, plan
from ticketing.rules.expressions import condition_literals
from ticketing.rules.situation import situation_at, trigger_of
from ticketing.rules.tickets import TicketCache
from ticketing.rules.view import RulesView
from ticketing.rules.webhooks import WebhookRequest, delivery_id

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from uuid import UUID

    from ticketing.aggregates.ticket import Ticket
    from ticketing.policies.priority import PriorityMatrix
    from ticketing.projections.base import LogEvent
    from ticketing.rules.decide import Situation, Step
    from ticketing.rules.model import RuleSet
    from ticketing.rules.sla import SlaProvider
    from ticketing.rules.view import LogReader

logger = logging.getLogger(__name__)

REACTOR_NAME: Final = "rules"
TICKET_CACHE: Final = 10_000
PROCESSOR_KEY: Final = f"automation:{REACTOR_NAME}"

#: (ticket id, version) -> the ticket as of that version.
TicketAt: TypeAlias = "Callable[[UUID, int], Ticket]"


class WebhookSink(Protocol):
    def enqueue(self, request: WebhookRequest) -> bool: ...


class RulesReactor:
    """Decides rule-made commands for the automation processor."""

    name = REACTOR_NAME

    def __init__(
        self,
        reader: LogReader,
        ticket_at: TicketAt,
        matrix: PriorityMatrix,
        webhooks: WebhookSink | None = None,
        sla: SlaProvider | None = None,
    ) -> None:
        self.reader, self.ticket_at, self.matrix = reader, ticket_at, matrix
        self.webhooks, self.sla = webhooks, sla
        self.max_depth = MAX_CHAIN_DEPTH
        #: How many recently active tickets the view keeps in memory.
        self.cache_limit = TICKET_CACHE
        self.view = self._new_view()
        self._dirty = True
        self._sla_readers: dict[str, bool] = {}

    def _new_view(self) -> RulesView:
        tickets = TicketCache(self.cache_limit)
        return RulesView(self.reader, PROCESSOR_KEY, tickets=tickets)

    def warm_up(self, checkpoint: int) -> None:
        """Fold the log up to the processor's checkpoint (at start, or to recover)."""
        self.view = self._new_view()
        self.view.advance(checkpoint)
        self._dirty = True
        logger.info("rules state folded to position %d", self.view.position)

    def _reads_sla(self, rule_set: RuleSet) -> bool:
        """Whether a rule reacting to events names ``sla_percent`` (asked once
        per rule set: the provider reads the ticket's history)."""
        found = self._sla_readers.get(rule_set.digest)
        if found is None:
            found = any(
                "sla_percent" in condition_literals(rule.condition).fields
                for rule in rule_set.rules
                if rule.triggers - {"time"}
            )
            self._sla_readers[rule_set.digest] = found
        return found

    def react(self, log: LogEvent) -> Sequence[Reaction]:
        if log.position <= self.view.position:
            # The processor went back (a batch failed and is re-read): refold.
            logger.warning("rules: re-reading from %d, refolding", log.position)
            self.warm_up(log.position - 1)
        if self._dirty:
            self.view.discover()
            self._dirty = False
        self.view.advance(log.position)
        if trigger_of(log) is None:
            return ()
        rule_set = self.view.state.timeline.rule_set_at(log.event.timestamp)
        if rule_set is None:
            return ()
        ticket = self.view.tickets.get(log.originator_id, log.version)
        if ticket is None:  # opened before the processor started: load it once
            ticket = self.ticket_at(log.originator_id, log.version)
            self.view.tickets.put(ticket)
        sla = (
            self.sla.percent(log.originator_id, log.event.timestamp)
            if self.sla and self._reads_sla(rule_set)
            else None
        )
        situation = situation_at(self.view, log, ticket, rule_set, sla)
        decided = plan(rule_set, situation, self.matrix)
        self._report(log, decided)
        reactions = [
            Reaction(
                s.command,
                s.decision.rule_id,
                rule_set.version,
                s.decision.kind,
                rule_set.max_chain_depth,
            )
            for s in decided.steps
            if s.command is not None
        ]
        self._webhooks(log, ticket, rule_set, situation, decided)
        self._dirty = bool(reactions)
        return reactions

    def _webhooks(
        self,
        log: LogEvent,
        ticket: Ticket,
        rule_set: RuleSet,
        situation: Situation,
        decided: Plan,
    ) -> None:
        hooks = [s for s in decided.steps if s.command is None]
        if not hooks or self.webhooks is None:
            return
        limit = min(self.max_depth, rule_set.max_chain_depth)
        if situation.depth >= limit:
            logger.error(
                "rules: webhook(s) %s for %s not sent: chain depth %d (limit %d)",
                [s.decision.rule_id for s in hooks],
                ticket.number,
                situation.depth,
                limit,
            )
            return
        for step in hooks:
            self.webhooks.enqueue(
                webhook_request(step, event_id(log), ticket, situation, log.position)
            )

    @staticmethod
    def _report(log: LogEvent, decided: Plan) -> None:
        for failure in decided.evaluation.failures:
            logger.warning(
                "rules: rule %s could not be evaluated at position %d: %s",
                failure.rule_id,
                log.position,
                failure.reason,
            )
        for decision, why in decided.dropped:
            logger.debug(
                "rules: %s by %s dropped: %s", decision.kind, decision.rule_id, why
            )


def webhook_request(
    step: Step, origin: str, ticket: Ticket, situation: Situation, position: int | None
) -> WebhookRequest:
    """The outbox row for a webhook step (``origin``: event id or timer key)."""
    decision = step.decision
    action = decision.action
    if not isinstance(action, WebhookAction):  # pragma: no cover - caller checks
        raise TypeError(action)
    name, url = action.name, action.url
    outbox_id = delivery_id(origin, decision.rule_id)
    facts = situation.facts
    payload: dict[str, Any] = {
        "delivery_id": outbox_id,
        "webhook": name,
        "rule_id": decision.rule_id,
        "rule_set_version": decision.rule_set_version,
        "trigger": {
            "kind": situation.trigger,
            "origin": origin,
            "position": position,
            "at": situation.now.isoformat(),
        },
        "ticket": {
            "id": str(situation.ticket_id),
            "number": ticket.number,
            "type": facts.type,
            "title": facts.title,
            "state": facts.state,
            "priority": facts.priority,
            "queue": facts.queue,
            "group": facts.group,
            "assignee": facts.assignee,
            "escalation_level": facts.escalation_level,
            "tags": sorted(facts.tags),
            "requester_id": facts.requester_id,
            "opened_at": facts.opened_at.isoformat(),
        },
    }
    return WebhookRequest(
        id=outbox_id,
        created_at=situation.now,
        ticket_id=str(situation.ticket_id),
        ticket_number=ticket.number,
        trigger=origin,
        rule_id=decision.rule_id,
        rule_set_version=decision.rule_set_version,
        name=name,
        url=url,
        payload=payload,
    )

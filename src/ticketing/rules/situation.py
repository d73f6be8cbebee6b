"""The situation a trigger is evaluated in: shared by the live reactor and preview.

A trigger is a ticket event that automation reacts to: not recorded by an
import, not an ``AutomationHalted`` note. The facts are the ticket as of that
event plus the changes the rules processor had already recorded for it in
reaction to earlier events (see ``rules.view``); the instant is the event's
``occurred_at``; the chain depth comes from its envelope.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import TYPE_CHECKING

from ticketing.aggregates.ticket import Ticket, TicketEvent
from ticketing.rules.decide import Situation
from ticketing.rules.facts import facts_from_ticket

if TYPE_CHECKING:
    from ticketing.projections.base import LogEvent
    from ticketing.rules.model import RuleSet, Trigger
    from ticketing.rules.view import RulesView


def trigger_of(log: LogEvent) -> Trigger | None:
    """``opened``/``changed`` for a ticket event automation reacts to, else None."""
    event = log.event
    if not isinstance(event, TicketEvent) or isinstance(event, Ticket.AutomationHalted):
        return None
    if event.meta.actor.kind == "import":
        return None
    return "opened" if isinstance(event, Ticket.Opened) else "changed"


def with_later_changes(ticket: Ticket, changes: list[LogEvent]) -> Ticket:
    """A copy of ``ticket`` with the processor's later changes applied."""
    if not changes:
        return ticket
    seen = copy.copy(ticket)
    for change in changes:
        change.event.apply(seen)
    return seen


def situation_at(
    view: RulesView,
    log: LogEvent,
    ticket: Ticket,
    rule_set: RuleSet,
    sla_percent: float | None = None,
) -> Situation:
    """The situation of the trigger ``log`` (see ``trigger_of``).

    ``view`` must be advanced to ``log.position``; ``ticket`` is the ticket as
    of ``log`` (its version).
    """
    trigger: Trigger = "opened" if isinstance(log.event, Ticket.Opened) else "changed"
    changes = view.changes_for(log.originator_id, log.position)
    facts = facts_from_ticket(
        with_later_changes(ticket, changes), sla_percent=sla_percent
    )
    if changes:
        last = max(facts.last_activity_at, changes[-1].event.timestamp)
        facts = replace(facts, last_activity_at=last)
    return Situation(
        ticket_id=log.originator_id,
        facts=facts,
        trigger=trigger,
        now=log.event.timestamp,
        depth=log.event.meta.depth,
        directory=view.state.directory(rule_set.queues),
        load=view.load(log.position),
        cursors=view.cursors(log.position),
    )

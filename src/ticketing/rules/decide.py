"""From decisions to commands: what a rule set asks a ticket to do, and its effect.

Pure: given the rule set, the ticket's facts and the directory, load and
round-robin cursors of the view, ``plan`` evaluates the rules and turns each
decision into the command that carries it out (a webhook stays a webhook).
Decisions that would change nothing (already in that queue, already tagged)
or that the ticket refuses in its state, and assignments with nobody
eligible, are dropped with the reason, so the log only gets real changes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final

from ticketing.aggregates.vocabulary import OPEN_STATES, State
from ticketing.commands import messages as m
from ticketing.rules.actions import (
    AssignAction,
    EscalateAction,
    RouteAction,
    SetPriorityAction,
    TagAction,
)
from ticketing.rules.assignment import choose_agent
from ticketing.rules.evaluate import evaluate

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime
    from uuid import UUID

    from ticketing.policies.priority import PriorityMatrix
    from ticketing.rules.directory import Directory
    from ticketing.rules.facts import TicketFacts
    from ticketing.rules.model import Decision, Evaluation, RuleSet, Trigger

#: A ticket can be tagged until it is closed or canceled.
_TAGGABLE: Final[frozenset[State]] = OPEN_STATES | {"resolved"}


@dataclass(frozen=True, slots=True)
class Situation:
    """Everything one decision depends on."""

    ticket_id: UUID
    facts: TicketFacts
    trigger: Trigger
    now: datetime
    depth: int
    directory: Directory
    load: Mapping[str, int]
    cursors: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Step:
    """One decision to carry out; ``changes`` are the facts it changes."""

    decision: Decision
    command: m.TicketCommand | None
    changes: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Plan:
    """The evaluation, the steps to take, and the decisions dropped (with why)."""

    evaluation: Evaluation
    steps: tuple[Step, ...]
    dropped: tuple[tuple[Decision, str], ...]

    def after(self, facts: TicketFacts) -> TicketFacts:
        """The facts once every step is carried out."""
        changes: dict[str, Any] = {}
        for step in self.steps:
            changes.update(step.changes)
        return replace(facts, **changes) if changes else facts


def plan(rule_set: RuleSet, s: Situation, matrix: PriorityMatrix) -> Plan:
    """Evaluate ``rule_set`` in situation ``s`` and plan the resulting steps."""
    evaluation = evaluate(
        rule_set, s.facts, trigger=s.trigger, now=s.now, depth=s.depth
    )
    steps: list[Step] = []
    dropped: list[tuple[Decision, str]] = []
    for decision in evaluation.decisions:
        step_or_reason = _step(decision, s, matrix)
        if isinstance(step_or_reason, str):
            dropped.append((decision, step_or_reason))
        else:
            steps.append(step_or_reason)
    return Plan(evaluation, tuple(steps), tuple(dropped))


def _step(  # noqa: PLR0911 - one return per action kind, flat on purpose
    decision: Decision, s: Situation, matrix: PriorityMatrix
) -> Step | str:
    action, facts = decision.action, s.facts
    if isinstance(action, TagAction):
        if facts.state not in _TAGGABLE:
            return f"ticket is {facts.state}"
        if action.tag in facts.tags:
            return "already tagged"
        cmd: m.TicketCommand = m.TagTicket(ticket_id=s.ticket_id, tag=action.tag)
        return Step(decision, cmd, {"tags": facts.tags | {action.tag}})
    if action.kind == "webhook":
        return Step(decision, None, {})
    if facts.state not in OPEN_STATES:
        return f"ticket is {facts.state}"
    if isinstance(action, RouteAction):
        return _route(decision, action, s)
    if isinstance(action, SetPriorityAction):
        return _priority(decision, action, s, matrix)
    if isinstance(action, AssignAction):
        return _assign(decision, action, s)
    if isinstance(action, EscalateAction):
        return _escalate(decision, action, s)
    raise AssertionError(action)  # pragma: no cover - closed set of actions


def _route(decision: Decision, action: RouteAction, s: Situation) -> Step | str:
    if (action.queue, action.group) == (s.facts.queue, s.facts.group):
        return f"already in queue {action.queue}"
    cmd = m.RouteTicket(ticket_id=s.ticket_id, queue=action.queue, group=action.group)
    return Step(decision, cmd, {"queue": action.queue, "group": action.group})


def _priority(
    decision: Decision, action: SetPriorityAction, s: Situation, matrix: PriorityMatrix
) -> Step | str:
    facts = s.facts
    impact = facts.impact if action.impact is None else action.impact
    urgency = facts.urgency if action.urgency is None else action.urgency
    priority = matrix.priority_for(impact, urgency)
    before = (facts.impact, facts.urgency, facts.priority, facts.priority_overridden)
    if before == (impact, urgency, priority, False):
        return "priority unchanged"
    cmd = m.ChangePriority(
        ticket_id=s.ticket_id,
        impact=action.impact,
        urgency=action.urgency,
        reason=f"rule {decision.rule_id} ({decision.rule_set_version})",
    )
    changes = {
        "impact": impact,
        "urgency": urgency,
        "priority": priority,
        "priority_overridden": False,
    }
    return Step(decision, cmd, changes)


def _assign(decision: Decision, action: AssignAction, s: Situation) -> Step | str:
    pick = choose_agent(action, s.directory, s.load, s.cursors)
    if pick.agent_id is None:
        return "nobody eligible (off shift, full or not a member)"
    facts = s.facts
    if pick.agent_id == facts.assignee and pick.group in (None, facts.group):
        return f"already assigned to {pick.agent_id}"
    cmd = m.AssignTicket(
        ticket_id=s.ticket_id, agent_id=pick.agent_id, group=pick.group
    )
    changes: dict[str, Any] = {"assignee": pick.agent_id}
    if pick.group is not None:
        changes["group"] = pick.group
    if facts.state == "new":
        changes["state"] = "in_progress"
    return Step(decision, cmd, changes)


def _escalate(decision: Decision, action: EscalateAction, s: Situation) -> Step | str:
    current = s.facts.escalation_level
    level = current + 1 if action.level is None else action.level
    if level <= current:
        return f"already at escalation level {current}"
    if level > m.MAX_ESCALATION_LEVEL:
        return f"already at the highest escalation level ({current})"
    cmd = m.EscalateTicket(
        ticket_id=s.ticket_id, level=action.level, reason=action.reason
    )
    return Step(decision, cmd, {"escalation_level": level})

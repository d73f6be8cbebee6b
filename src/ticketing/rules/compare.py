"""Compare what a candidate rule set would have done with what automation did.

Both sides are expressed as their effect on the ticket's facts at one trigger:
the facts after the candidate's steps, and the facts after the changes the
rules processor actually recorded for that trigger. Only differences in the
outcome count: "route to the queue it is already in" equals "no route".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final

from ticketing.aggregates.ticket import Ticket

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ticketing.projections.base import LogEvent
    from ticketing.rules.decide import Plan
    from ticketing.rules.facts import TicketFacts

#: The outcome kinds preview reports, and the facts each one looks at.
KINDS: Final[dict[str, tuple[str, ...]]] = {
    "route": ("queue", "group"),
    "priority": ("priority", "impact", "urgency"),
    "assign": ("assignee",),
    "tag": ("tags",),
    "escalate": ("escalation_level",),
}
#: Plan decision kinds -> reported kind.
_DECISION_KIND: Final = {
    "route": "route",
    "set_priority": "priority",
    "assign": "assign",
    "tag": "tag",
    "escalate": "escalate",
}


def changes_of(event: object, facts: TicketFacts) -> dict[str, Any]:
    """The facts an automated ticket event changed."""
    if isinstance(event, Ticket.Routed):
        return {"queue": event.queue, "group": event.group}
    if isinstance(event, Ticket.PriorityChanged):
        return {
            "impact": event.impact,
            "urgency": event.urgency,
            "priority": event.priority,
            "priority_overridden": event.overridden,
        }
    if isinstance(event, Ticket.Assigned):
        found: dict[str, Any] = {"assignee": event.agent_id}
        if event.group is not None:
            found["group"] = event.group
        return found
    if isinstance(event, Ticket.Tagged):
        return {"tags": facts.tags | {event.tag}}
    if isinstance(event, Ticket.Escalated):
        return {"escalation_level": event.level}
    return {}


def after_events(facts: TicketFacts, events: Sequence[LogEvent]) -> TicketFacts:
    for log in events:
        changes = changes_of(log.event, facts)
        if changes:
            facts = replace(facts, **changes)
    return facts


@dataclass(frozen=True, slots=True)
class Divergence:
    """One outcome that would have been different, described for people."""

    kind: str
    actual: dict[str, Any]
    candidate: dict[str, Any]
    candidate_rule: str | None
    actual_rule: str | None
    text: str


def diverge(
    before: TicketFacts,
    candidate: Plan | None,
    actual: Sequence[LogEvent],
) -> list[Divergence]:
    """Every kind whose outcome differs (``candidate`` None: it would be halted)."""
    cand_after = before if candidate is None else candidate.after(before)
    actual_after = after_events(before, actual)
    cand_rules = _rules_of_plan(candidate)
    actual_rules = _rules_of_events(actual)
    found: list[Divergence] = []
    for kind, names in KINDS.items():
        cand = {n: _plain(getattr(cand_after, n)) for n in names}
        real = {n: _plain(getattr(actual_after, n)) for n in names}
        if cand == real:
            continue
        was = {n: _plain(getattr(before, n)) for n in names}
        text = describe(kind, was, real, cand)
        found.append(
            Divergence(
                kind, real, cand, cand_rules.get(kind), actual_rules.get(kind), text
            )
        )
    return found


def decided_changes(candidate: Plan | None) -> dict[str, dict[str, Any]]:
    """Per reported kind, the changes a plan decided (a halted plan: none)."""
    steps = candidate.steps if candidate is not None else ()
    return {
        _DECISION_KIND[s.decision.kind]: dict(s.changes)
        for s in steps
        if s.decision.kind in _DECISION_KIND
    }


_VERBS: Final = {
    "route": "routed to",
    "priority": "set priority",
    "assign": "assigned to",
    "tag": "tagged",
    "escalate": "escalated to",
}


def describe(
    kind: str, before: dict[str, Any], actual: dict[str, Any], cand: dict[str, Any]
) -> str:
    """'would have routed to network instead of service-desk' and the like."""
    verb = _VERBS[kind]
    if kind == "tag":
        c = _added(before, cand)
        a = _added(before, actual)
    else:
        c, a = _show(kind, cand), _show(kind, actual)
    if before not in (cand, actual):
        return f"would have {verb} {c} instead of {a}"
    if cand != before:
        return f"would have {verb} {c}; automation left it at {_show(kind, before)}"
    return f"would have left it at {_show(kind, before)}; automation {verb} {a}"


def _added(before: dict[str, Any], after: dict[str, Any]) -> str:
    return ", ".join(sorted(set(after["tags"]) - set(before["tags"]))) or "nothing"


def _show(kind: str, values: dict[str, Any]) -> str:
    if kind == "route":
        queue, group = values["queue"] or "no queue", values["group"]
        return f"{queue} (group {group})" if group else str(queue)
    if kind == "priority":
        impact, urgency = values["impact"], values["urgency"]
        return f"{values['priority']} (impact {impact}, urgency {urgency})"
    if kind == "assign":
        return str(values["assignee"] or "unassigned")
    if kind == "tag":
        return ", ".join(values["tags"]) or "no tags"
    return f"level {values['escalation_level']}"


def _plain(value: object) -> object:
    return sorted(value) if isinstance(value, frozenset) else value


def _rules_of_plan(candidate: Plan | None) -> dict[str, str]:
    steps = candidate.steps if candidate is not None else ()
    return {
        _DECISION_KIND[s.decision.kind]: s.decision.rule_id
        for s in steps
        if s.decision.kind in _DECISION_KIND
    }


_EVENT_KIND: Final[dict[type, str]] = {
    Ticket.Routed: "route",
    Ticket.PriorityChanged: "priority",
    Ticket.Assigned: "assign",
    Ticket.Tagged: "tag",
    Ticket.Escalated: "escalate",
}


def applied_kinds(events: Sequence[LogEvent]) -> set[str]:
    """The reported kinds that recorded automated events changed."""
    return {
        _EVENT_KIND[type(log.event)] for log in events if type(log.event) in _EVENT_KIND
    }


def _rules_of_events(events: Sequence[LogEvent]) -> dict[str, str]:
    return {
        _EVENT_KIND[type(log.event)]: log.event.meta.rule_id
        for log in events
        if type(log.event) in _EVENT_KIND
    }

"""The rules engine's pure core: rule files, conditions, decisions, assignment.

The event-driven runner (elsewhere) loads a ``RuleSet`` with ``load_rule_set``,
builds ``TicketFacts`` for each ticket event, calls ``evaluate`` and turns each
``Decision`` into a command (or a webhook delivery); ``choose_agent`` resolves
assign decisions against the directory and the current load.
"""

from __future__ import annotations

from ticketing.rules.actions import (
    ACTION_KINDS,
    Action,
    ActionKind,
    AssignAction,
    EscalateAction,
    RouteAction,
    SetPriorityAction,
    TagAction,
    WebhookAction,
)
from ticketing.rules.assignment import (
    Assignment,
    RoundRobinPick,
    choose_agent,
    least_loaded,
    round_robin,
    skills_match,
)
from ticketing.rules.directory import Agent, Directory, Group, parse_directory
from ticketing.rules.errors import RuleSetError
from ticketing.rules.evaluate import evaluate
from ticketing.rules.facts import TicketFacts, facts_from_mapping, facts_from_ticket
from ticketing.rules.loader import (
    DEFAULT_RULE_SET_VERSION,
    load_rule_file,
    load_rule_set,
    parse_rule_set,
    published_versions,
)
from ticketing.rules.model import (
    TRIGGERS,
    Decision,
    Evaluation,
    Rule,
    RuleFailure,
    RuleSet,
    Trigger,
)

__all__ = [
    "ACTION_KINDS",
    "DEFAULT_RULE_SET_VERSION",
    "TRIGGERS",
    "Action",
    "ActionKind",
    "Agent",
    "AssignAction",
    "Assignment",
    "Decision",
    "Directory",
    "EscalateAction",
    "Evaluation",
    "Group",
    "RoundRobinPick",
    "RouteAction",
    "Rule",
    "RuleFailure",
    "RuleSet",
    "RuleSetError",
    "SetPriorityAction",
    "TagAction",
    "TicketFacts",
    "Trigger",
    "WebhookAction",
    "choose_agent",
    "evaluate",
    "facts_from_mapping",
    "facts_from_ticket",
    "least_loaded",
    "load_rule_file",
    "load_rule_set",
    "parse_directory",
    "parse_rule_set",
    "published_versions",
    "round_robin",
    "skills_match",
]

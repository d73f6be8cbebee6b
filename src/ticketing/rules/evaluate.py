"""Evaluate a rule set on ticket facts: first matching rule wins, per action kind.

Pure: the evaluation instant and the chain depth are passed in, nothing is
read from the clock or the store. Rules are tried in file order; a rule whose
action kinds are all decided already is skipped without evaluating it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ticketing.rules.actions import ACTION_KINDS, ActionKind
from ticketing.rules.expressions import ConditionEvaluationError, fact_record
from ticketing.rules.model import (
    TRIGGERS,
    Decision,
    Evaluation,
    RuleFailure,
    RuleSet,
    Trigger,
)

if TYPE_CHECKING:
    from datetime import datetime

    from ticketing.rules.facts import TicketFacts


def evaluate(
    rule_set: RuleSet,
    facts: TicketFacts,
    *,
    trigger: Trigger,
    now: datetime,
    depth: int = 0,
) -> Evaluation:
    """The decisions of ``rule_set`` for ``facts`` at ``now``.

    ``depth`` is the chain depth of the triggering event (0 when a person, an
    import, the system or the scheduler caused it; n + 1 when a rule's action,
    itself decided at depth n, caused it). It is recorded in the result; the
    automation processor refuses to execute decisions at or beyond its bound
    (``min(processor bound, rule_set.max_chain_depth)``) and records the halt.
    """
    if now.tzinfo is None:
        msg = "now must be timezone-aware"
        raise ValueError(msg)
    if trigger not in TRIGGERS:
        msg = f"unknown trigger {trigger!r}"
        raise ValueError(msg)
    if depth < 0:
        msg = f"depth must be >= 0, got {depth}"
        raise ValueError(msg)
    version = rule_set.version
    record = fact_record(facts, now)
    decided: dict[ActionKind, Decision] = {}
    failures: list[RuleFailure] = []
    for rule in rule_set.rules:
        if trigger not in rule.triggers:
            continue
        wanted = [a for a in rule.actions if a.kind not in decided]
        if not wanted:
            continue
        try:
            matched = rule.condition.matches(record)
        except ConditionEvaluationError as exc:
            failures.append(RuleFailure(rule.id, str(exc)))
            continue
        if matched:
            for action in wanted:
                decided[action.kind] = Decision(action.kind, rule.id, version, action)
            if len(decided) == len(ACTION_KINDS):
                break
    decisions = tuple(decided[k] for k in ACTION_KINDS if k in decided)
    return Evaluation(version, trigger, depth, decisions, tuple(failures))

"""Properties of evaluation: first match per kind in file order, and determinism."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticketing.aggregates.vocabulary import (
    HOLD_REASONS,
    PRIORITIES,
    STATES,
    TICKET_TYPES,
)
from ticketing.rules import (
    ACTION_KINDS,
    TRIGGERS,
    RuleSet,
    TicketFacts,
    Trigger,
    evaluate,
    load_rule_set,
    parse_directory,
)
from ticketing.rules.expressions import fact_record
from ticketing.rules.loader import DATA_DIR

pytestmark = pytest.mark.property

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
WORDS = ("vpn", "wifi", "printer", "password", "reset", "phishing", "outlook", "slow")
CATEGORIES = ("network", "database", "laptop", "access", "email", "security", "other")


def default_rules() -> RuleSet:
    path = DATA_DIR / "directories" / "demo.toml"
    directory = parse_directory(tomllib.loads(path.read_text("utf-8")), str(path))
    return load_rule_set("default-v1", directory)


RULES = default_rules()


def optional(values: tuple[str, ...]) -> st.SearchStrategy[str | None]:
    return st.none() | st.sampled_from(values)


@st.composite
def ticket_facts(draw: st.DrawFn) -> TicketFacts:
    opened_ago = draw(st.integers(0, 10 * 24 * 60))
    idle_ago = draw(st.integers(0, opened_ago))
    words = draw(st.lists(st.sampled_from(WORDS), max_size=4))
    fields: dict[str, Any] = {
        "type": draw(st.sampled_from(TICKET_TYPES)),
        "title": " ".join(words) or "help",
        "description": draw(st.sampled_from(["", "reset my password", "vpn down"])),
        "requester_id": "u-1",
        "impact": draw(st.integers(1, 3)),
        "urgency": draw(st.integers(1, 3)),
        "priority": draw(st.sampled_from(PRIORITIES)),
        "state": draw(st.sampled_from(STATES)),
        "hold_reason": draw(st.none() | st.sampled_from(HOLD_REASONS)),
        "category": draw(optional(CATEGORIES)),
        "service": draw(optional(("email", "erp-database", "payroll"))),
        "configuration_item": draw(optional(("pg-prod-1", "web-01"))),
        "requester_org": draw(optional(("executive-office", "finance"))),
        "queue": draw(optional(("service-desk", "network", "major-incident"))),
        "assignee": draw(optional(("ada", "ned"))),
        "escalation_level": draw(st.integers(0, 3)),
        "sla_percent": draw(st.none() | st.floats(0, 200, allow_nan=False)),
        "opened_at": NOW - timedelta(minutes=opened_ago),
        "last_activity_at": NOW - timedelta(minutes=idle_ago),
    }
    return TicketFacts(**fields)


@given(facts=ticket_facts(), trigger=st.sampled_from(TRIGGERS))
def test_each_decision_is_the_first_matching_rule_of_its_kind(
    facts: TicketFacts, trigger: Trigger
) -> None:
    record = fact_record(facts, NOW)
    expected = {}
    for kind in ACTION_KINDS:
        first = next(
            (
                rule.id
                for rule in RULES.rules
                if trigger in rule.triggers
                and kind in rule.kinds
                and rule.condition.matches(record)
            ),
            None,
        )
        if first is not None:
            expected[kind] = first

    result = evaluate(RULES, facts, trigger=trigger, now=NOW)

    assert {d.kind: d.rule_id for d in result.decisions} == expected
    assert all(d.rule_set_version == "default-v1" for d in result.decisions)
    assert result.failures == ()


@given(facts=ticket_facts(), trigger=st.sampled_from(TRIGGERS), depth=st.integers(0, 5))
def test_evaluation_is_deterministic(
    facts: TicketFacts, trigger: Trigger, depth: int
) -> None:
    first = evaluate(RULES, facts, trigger=trigger, now=NOW, depth=depth)
    second = evaluate(RULES, facts, trigger=trigger, now=NOW, depth=depth)

    assert first == second


@given(facts=ticket_facts())
def test_every_opened_ticket_is_routed_somewhere(facts: TicketFacts) -> None:
    result = evaluate(RULES, facts, trigger="opened", now=NOW)

    assert result.decision("route") is not None

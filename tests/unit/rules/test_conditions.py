"""Conditions: every operator kind on real facts, and load-time rejections."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.support.rules_fixtures import NOW, build_facts
from ticketing.rules.expressions import (
    MAX_CONDITION_DEPTH,
    InvalidConditionError,
    compile_condition,
    fact_record,
)
from ticketing.rules.fields import FIELDS

TRUE_AND_FALSE: list[tuple[str, str, dict[str, Any], dict[str, Any] | None]] = [
    # (operator kind, condition, facts where true, facts where false)
    ("equality", 'type == "incident"', {}, {"type": "change"}),
    ("inequality", 'channel != "phone"', {}, {"channel": "phone"}),
    ("number order", "impact <= 1", {"impact": 1}, {"impact": 2}),
    ("number order", "escalation_level > 0", {"escalation_level": 1}, {}),
    ("string order", 'priority < "P3"', {"priority": "P2"}, {"priority": "P4"}),
    ("boolean field", "priority_overridden", {"priority_overridden": True}, {}),
    ("and", 'type == "incident" and impact == 1', {"impact": 1}, {"impact": 2}),
    ("or", 'state == "new" or state == "on_hold"', {}, {"state": "in_progress"}),
    ("not", 'not (channel == "phone")', {}, {"channel": "phone"}),
    (
        "grouping",
        '(impact == 1 or urgency == 1) and type == "incident"',
        {"urgency": 1},
        {"type": "problem", "urgency": 1},
    ),
    (
        "membership in list",
        'category in ["network", "vpn"]',
        {"category": "vpn"},
        {"category": "email"},
    ),
    ("membership, null", 'category in ["network"]', {"category": "network"}, {}),
    ("not in", 'requester_site not in ["hq", "lab"]', {}, {"requester_site": "hq"}),
    ("tag membership", '"vip" in tags', {"tags": ["vip"]}, {"tags": ["x"]}),
    (
        "word membership",
        '"outlook" in words',
        {},
        {"title": "Printer jam", "description": "-"},
    ),
    ("words are casefolded", '"pdf" in words', {}, {"description": "none"}),
    (
        "any of words",
        'not (words & {"vpn", "wifi"}).is_empty',
        {"title": "WiFi is slow"},
        {},
    ),
    ("regex match (anchored)", 'title =~ "Outlook"', {}, {"title": "My Outlook"}),
    ("regex search", 'title =~~ "(?i)attach"', {}, {"title": "Printer jam"}),
    ("regex no match", 'description !~~ "PDF"', {"description": "docx"}, {}),
    (
        "regex on nullable",
        '(configuration_item ?? "") =~ "pg-"',
        {"configuration_item": "pg-prod-1"},
        {"configuration_item": "web-1"},
    ),
    ("null check", "assignee == null", {}, {"assignee": "ada"}),
    ("not null", "hold_reason != null", {"hold_reason": "awaiting_vendor"}, {}),
    (
        "coalesce number",
        "(sla_percent ?? 0.0) >= 80.0",
        {"sla_percent": 80},
        {"sla_percent": 79.9},
    ),
    ("coalesce, null", "(sla_percent ?? 100.0) >= 80.0", {}, {"sla_percent": 10}),
    ("age duration", 'age > t"PT4H"', {"opened_at": NOW - timedelta(hours=5)}, {}),
    (
        "idle duration",
        'idle >= t"P2D"',
        {"last_activity_at": NOW - timedelta(days=2)},
        {"last_activity_at": NOW - timedelta(days=1)},
    ),
    (
        "datetime literal",
        'opened_at < d"2026-03-01T00:00:00Z"',
        {"opened_at": NOW - timedelta(days=2)},
        {},
    ),
    (
        "now field",
        'now - opened_at > t"PT30M"',
        {},
        {"opened_at": NOW - timedelta(minutes=10)},
    ),
    ("string attribute", 'title.as_lower =~~ "outlook"', {}, {"title": "Printer"}),
    ("safe navigation", 'service&.as_upper == "EMAIL"', {"service": "email"}, {}),
    ("substring", '"crash" in title', {}, {"title": "Printer jam"}),
    ("set union", '(tags | {"vip"}).length == 1', {"tags": ["vip"]}, {"tags": ["x"]}),
    ("date-time parts", "now.hour >= 8 and now.month == 3", {}, None),
    ("ternary", '(impact == 1 ? "hi" : "lo") == "hi"', {"impact": 1}, {}),
    ("always", "true", {}, None),
]


@pytest.mark.parametrize(
    ("kind", "text", "true_facts", "false_facts"),
    TRUE_AND_FALSE,
    ids=[f"{row[0]}: {row[1]}" for row in TRUE_AND_FALSE],
)
def test_condition_operator_matches_exactly_when_expected(
    kind: str,
    text: str,
    true_facts: dict[str, Any],
    false_facts: dict[str, Any] | None,
) -> None:
    condition = compile_condition(text)

    holds = condition.matches(fact_record(build_facts(**true_facts), NOW))
    fails = (
        condition.matches(fact_record(build_facts(**false_facts), NOW))
        if false_facts is not None
        else False
    )

    assert holds is True
    assert fails is False


REJECTED: list[tuple[str, str, int | None]] = [
    # (condition, expected reason fragment, expected offset)
    ('typ == "incident"', "unknown field 'typ' (did you mean 'type'?)", 0),
    ('type == "a" and  categroy == "x"', "unknown field 'categroy'", 17),
    ('impact == "high"', "cannot compare number with string", 0),
    ("category == 3", "cannot compare string or null with number", 0),
    ("type == null", "cannot compare string with null", 0),
    ("type in [1, 2]", "a string is never an element of array of numbers", 0),
    ('type == "a" and impact', "both sides of 'and' must be true/false", 16),
    ("not urgency", "the operand of 'not' must be true/false", 4),
    ("impact", "the condition gives a number, not true/false", None),
    ('words & {"a"}', "the condition gives a set, not true/false", None),
    ("sla_percent >= 80.0", "operand is nullable", None),
    ('category =~ "net"', "operand is nullable", None),
    ("age > 4", "type mismatch", None),
    ('title =~ "(bad"', "invalid regular expression '(bad'", 10),
    ('age > t"four hours"', "invalid timedelta", 8),
    ('opened_at > d"2026-13-01"', "invalid datetime", 14),
    ("type ==", "syntax error: unexpected end", 7),
    ('type == "a")', "syntax error at ')'", 11),
    ('type == "a" && impact == 1', "syntax error at '&'", 13),
    ("impact == 1 ; 2", "syntax error: illegal character ';'", 12),
    ("$now > opened_at", "$now reads the wall clock", 0),
    ("opened_at < $today", "$today reads the wall clock", 12),
    ("$random() > 0.5", "$random is not repeatable", 0),
    ('title.colour == "x"', "unknown attribute 'colour'", 6),
    ("   ", "the condition is empty", 0),
]


@pytest.mark.parametrize(("text", "reason", "offset"), REJECTED)
def test_condition_is_rejected_at_load_time(
    text: str, reason: str, offset: int | None
) -> None:
    with pytest.raises(InvalidConditionError) as caught:
        compile_condition(text)

    assert reason in caught.value.reason
    assert caught.value.offset == offset


def test_fact_record_has_every_documented_field() -> None:
    record = fact_record(build_facts(), NOW)

    assert set(record) == {f.name for f in FIELDS}


@pytest.mark.parametrize(
    "text",
    [
        "not " * 2000 + "true",
        " and ".join(["true"] * 2000),
        "not " * (MAX_CONDITION_DEPTH + 1) + "priority_overridden",
    ],
    ids=["not chain", "and chain", "just over the limit"],
)
def test_conditions_nested_beyond_the_limit_are_refused(text: str) -> None:
    with pytest.raises(InvalidConditionError, match="nested too deeply"):
        compile_condition(text)


def test_conditions_at_the_depth_limit_still_compile_and_evaluate() -> None:
    near = " and ".join(["impact >= 1"] * 30)
    deep = "not " * (MAX_CONDITION_DEPTH - 1) + "priority_overridden"  # odd: true

    facts = fact_record(build_facts(), NOW)
    assert compile_condition(near).matches(facts)
    assert compile_condition(deep).matches(facts)

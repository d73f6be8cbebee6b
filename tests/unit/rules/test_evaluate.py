"""Evaluation: first matching rule per action kind, in file order, per trigger."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.rules_fixtures import NOW, build_facts
from ticketing.rules import (
    AssignAction,
    EscalateAction,
    RouteAction,
    RuleSet,
    SetPriorityAction,
    TagAction,
    WebhookAction,
    evaluate,
    load_rule_set,
    parse_rule_set,
)

if TYPE_CHECKING:
    from ticketing.rules import Directory, Trigger

RULES = """version = "eval-1"
max_chain_depth = 2

[[rule]]
id = "NET"
when = 'category == "network"'
route = { queue = "network", group = "network-l2" }

[[rule]]
id = "INC"
when = 'type == "incident"'
route = { queue = "service-desk" }
tag = "incident"

[[rule]]
id = "HIGH"
when = 'impact == 1'
set_priority = { urgency = 1 }
escalate = { reason = "high impact" }
webhook = { name = "hook", url = "https://hooks.example.invalid/high" }

[[rule]]
id = "ANY"
on = ["opened", "changed"]
when = "true"
assign = { strategy = "least_loaded", group = "service-desk-l1" }
tag = "fallback"

[[rule]]
id = "IDLE"
on = ["time"]
when = 'idle > t"PT8H"'
escalate = { level = 2, reason = "idle for 8 hours" }

[[rule]]
id = "BROKEN"
on = ["changed", "time"]
when = 'title =~ description'
tag = "regex"
"""


@pytest.fixture(scope="module")
def rule_set(directory: Directory) -> RuleSet:
    return parse_rule_set(RULES, "eval.toml", directory)


def decided(
    rule_set: RuleSet, trigger: Trigger = "opened", **facts: object
) -> dict[str, tuple[str, object]]:
    result = evaluate(rule_set, build_facts(**facts), trigger=trigger, now=NOW)
    return {d.kind: (d.rule_id, d.action) for d in result.decisions}


CASES: list[tuple[str, Trigger, dict[str, Any], dict[str, tuple[str, object]]]] = [
    (
        "first rule wins the route; later rules still give other kinds",
        "opened",
        {"category": "network"},
        {
            "route": ("NET", RouteAction("network", "network-l2")),
            "tag": ("INC", TagAction("incident")),
            "assign": ("ANY", AssignAction("least_loaded", "service-desk-l1")),
        },
    ),
    (
        "an earlier non-matching rule lets the next one win",
        "opened",
        {},
        {
            "route": ("INC", RouteAction("service-desk")),
            "tag": ("INC", TagAction("incident")),
            "assign": ("ANY", AssignAction("least_loaded", "service-desk-l1")),
        },
    ),
    (
        "every action kind from one matching rule",
        "opened",
        {"type": "problem", "impact": 1},
        {
            "set_priority": ("HIGH", SetPriorityAction(None, 1)),
            "assign": ("ANY", AssignAction("least_loaded", "service-desk-l1")),
            "tag": ("ANY", TagAction("fallback")),
            "escalate": ("HIGH", EscalateAction("high impact")),
            "webhook": (
                "HIGH",
                WebhookAction("hook", "https://hooks.example.invalid/high"),
            ),
        },
    ),
    (
        "rules without the trigger are skipped",
        "time",
        {"last_activity_at": NOW - timedelta(hours=9), "description": "x"},
        {"escalate": ("IDLE", EscalateAction("idle for 8 hours", 2))},
    ),
    (
        "a time rule that does not match decides nothing",
        "time",
        {"description": "x"},
        {},
    ),
    (
        "changed runs only rules listing it",
        "changed",
        {"type": "change", "description": "nothing"},
        {
            "assign": ("ANY", AssignAction("least_loaded", "service-desk-l1")),
            "tag": ("ANY", TagAction("fallback")),
        },
    ),
]


@pytest.mark.parametrize(
    ("name", "trigger", "facts", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_decisions_are_first_match_per_kind_in_file_order(
    rule_set: RuleSet,
    name: str,
    trigger: Trigger,
    facts: dict[str, Any],
    expected: dict[str, tuple[str, object]],
) -> None:
    assert decided(rule_set, trigger, **facts) == expected


def test_decision_carries_provenance_and_json_params(rule_set: RuleSet) -> None:
    result = evaluate(
        rule_set, build_facts(category="network"), trigger="opened", now=NOW
    )

    route = result.decision("route")
    assert route is not None
    assert (route.kind, route.rule_id, route.rule_set_version) == (
        "route",
        "NET",
        "eval-1",
    )
    assert route.params == {"queue": "network", "group": "network-l2"}
    assert result.decision("webhook") is None
    assert [d.kind for d in result.decisions] == ["route", "assign", "tag"]


def test_a_failing_condition_is_reported_and_does_not_match(rule_set: RuleSet) -> None:
    facts = build_facts(description="(unclosed", type="change")

    result = evaluate(rule_set, facts, trigger="time", now=NOW)

    assert result.decisions == ()
    assert [(f.rule_id, f.reason) for f in result.failures] == [
        ("BROKEN", "invalid regular expression")
    ]


def test_rules_whose_kinds_are_all_decided_are_not_evaluated(rule_set: RuleSet) -> None:
    # ANY decides tag before BROKEN is reached, so BROKEN's bad regex never runs
    facts = build_facts(description="(unclosed")

    result = evaluate(rule_set, facts, trigger="changed", now=NOW)

    assert result.failures == ()


@pytest.mark.parametrize("depth", [0, 1, 2, 7])
def test_depth_is_recorded_and_the_bound_is_left_to_the_processor(
    rule_set: RuleSet, depth: int
) -> None:
    # the loop bound is enforced (and recorded on the ticket) by the automation
    # processor; evaluation at any depth gives the same decisions
    shallow = evaluate(rule_set, build_facts(), trigger="changed", now=NOW)

    result = evaluate(rule_set, build_facts(), trigger="changed", now=NOW, depth=depth)

    assert result.depth == depth
    assert result.decisions == shallow.decisions
    assert rule_set.max_chain_depth == 2


def test_now_must_be_aware(rule_set: RuleSet) -> None:
    naive = datetime(2026, 3, 2, 10, 0)  # noqa: DTZ001 - the point of the test

    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate(rule_set, build_facts(), trigger="opened", now=naive)


def test_trigger_must_be_known(rule_set: RuleSet) -> None:
    with pytest.raises(ValueError, match="unknown trigger 'hourly'"):
        evaluate(rule_set, build_facts(), trigger="hourly", now=NOW)  # type: ignore[arg-type]


def test_depth_must_not_be_negative(rule_set: RuleSet) -> None:
    with pytest.raises(ValueError, match="depth"):
        evaluate(rule_set, build_facts(), trigger="opened", now=NOW, depth=-1)


def test_age_and_idle_come_from_the_instant_passed_in(directory: Directory) -> None:
    text = """version = "t"
[[rule]]
id = "OLD"
on = ["time"]
when = 'age >= t"P1D" and idle < t"PT1H"'
tag = "old-but-active"
"""
    rule_set = parse_rule_set(text, "t.toml", directory)
    facts = build_facts(
        opened_at=NOW - timedelta(days=1), last_activity_at=NOW - timedelta(minutes=5)
    )

    now_result = evaluate(rule_set, facts, trigger="time", now=NOW)
    later_result = evaluate(
        rule_set, facts, trigger="time", now=NOW + timedelta(hours=2)
    )
    earlier_result = evaluate(
        rule_set, facts, trigger="time", now=NOW - timedelta(hours=1)
    )

    assert [d.rule_id for d in now_result.decisions] == ["OLD"]
    assert later_result.decisions == ()
    assert earlier_result.decisions == ()


def test_published_default_rules_route_by_type_and_category(
    directory: Directory,
) -> None:
    rules = load_rule_set("default-v1", directory)
    cases: dict[str, dict[str, Any]] = {
        "network": {"category": "network"},
        "database": {"configuration_item": "pg-prod-3"},
        "hardware": {"type": "service_request", "category": "laptop"},
        "access-management": {"type": "service_request", "title": "Password reset"},
        "messaging": {"service": "email"},
        "security": {"title": "Phishing mail received"},
        "major-incident": {"priority": "P1", "impact": 1, "urgency": 1},
        "change-management": {"type": "change"},
        "problem-management": {"type": "problem"},
        "service-desk": {},
    }

    routed = {
        queue: evaluate(rules, build_facts(**facts), trigger="opened", now=NOW)
        for queue, facts in cases.items()
    }

    for queue, result in routed.items():
        route = result.decision("route")
        assert route is not None
        assert route.params["queue"] == queue


def test_evaluation_stops_once_every_kind_is_decided(directory: Directory) -> None:
    text = """version = "all"
[[rule]]
id = "ALL"
when = "true"
route = { queue = "network" }
set_priority = { impact = 1 }
assign = { agent = "ada" }
tag = "t"
escalate = { reason = "r" }
webhook = { name = "w", url = "https://w.example.invalid/" }

[[rule]]
id = "NEVER-REACHED"
when = 'title =~ description'
tag = "u"
"""
    rule_set = parse_rule_set(text, "all.toml", directory)

    result = evaluate(rule_set, build_facts(description="("), trigger="opened", now=NOW)

    assert {d.rule_id for d in result.decisions} == {"ALL"}
    assert len(result.decisions) == 6
    assert result.failures == ()

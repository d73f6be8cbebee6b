"""Planning: decisions become commands; no-ops and refusals are dropped, with why."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.support.builders import MATRIX
from tests.support.rules_fixtures import NOW, build_facts
from ticketing.commands import messages as m
from ticketing.rules import Directory, parse_rule_set
from ticketing.rules.compare import describe
from ticketing.rules.decide import Situation, plan

TICKET = uuid.UUID("00000000-0000-0000-0000-000000000001")
RULES = """version = "plan-1"
queues = ["network", "service-desk"]

[[rule]]
id = "NET"
on = ["opened", "changed"]
when = 'category == "network"'
route = { queue = "network", group = "network-l2" }
set_priority = { urgency = 1 }
assign = { strategy = "skills_match", group = "network-l2", skills = ["vpn"] }
tag = "net"
escalate = { reason = "network", level = 2 }
webhook = { name = "noc", url = "https://noc.example.invalid/hook" }
"""


@pytest.fixture(scope="module")
def rules(directory: Directory) -> Any:
    return parse_rule_set(RULES, "plan.toml", directory)


def situation(
    directory: Directory, load: dict[str, int] | None = None, **facts: Any
) -> Situation:
    return Situation(
        ticket_id=TICKET,
        facts=build_facts(category="network", **facts),
        trigger="changed",
        now=NOW,
        depth=0,
        directory=directory,
        load=load or {},
        cursors={},
    )


def test_each_decision_becomes_its_command(rules: Any, directory: Directory) -> None:
    planned = plan(rules, situation(directory), MATRIX)

    commands = [s.command for s in planned.steps]
    assert [type(c).__name__ for c in commands] == [
        "RouteTicket",
        "ChangePriority",
        "AssignTicket",
        "TagTicket",
        "EscalateTicket",
        "NoneType",
    ]
    route, priority, assign, tag, escalate, _ = commands
    assert isinstance(tag, m.TagTicket)
    assert tag.tag == "net"
    assert route == m.RouteTicket(
        ticket_id=TICKET,
        queue="network",
        group="network-l2",
        command_id=route.command_id,  # type: ignore[union-attr]
    )
    assert isinstance(priority, m.ChangePriority)
    assert (priority.impact, priority.urgency) == (None, 1)
    assert priority.reason == "rule NET (plan-1)"
    assert isinstance(assign, m.AssignTicket)
    assert (assign.agent_id, assign.group) == ("nadia", "network-l2")
    assert isinstance(escalate, m.EscalateTicket)
    assert escalate.level == 2
    assert planned.dropped == ()
    after = planned.after(situation(directory).facts)
    assert (after.queue, after.priority, after.assignee, after.escalation_level) == (
        "network",
        "P2",
        "nadia",
        2,
    )
    assert "net" in after.tags


NO_OPS: list[tuple[dict[str, Any], dict[str, int], dict[str, str]]] = [
    (
        {"queue": "network", "group": "network-l2", "urgency": 1, "priority": "P2"},
        {},
        {"route": "already in queue network", "set_priority": "priority unchanged"},
    ),
    (
        {"tags": ["net"], "escalation_level": 3},
        {},
        {
            "tag": "already tagged",
            "escalate": "already at escalation level 3",
        },
    ),
    (
        {"assignee": "nadia", "group": "network-l2"},
        {},
        {"assign": "already assigned to nadia"},
    ),
    (
        {},
        {"nadia": 10, "ned": 6},
        {"assign": "nobody eligible (off shift, full or not a member)"},
    ),
    (
        {"state": "resolved"},
        {},
        {
            "route": "ticket is resolved",
            "set_priority": "ticket is resolved",
            "assign": "ticket is resolved",
            "escalate": "ticket is resolved",
        },
    ),
    (
        {"state": "closed"},
        {},
        {
            "route": "ticket is closed",
            "set_priority": "ticket is closed",
            "assign": "ticket is closed",
            "tag": "ticket is closed",
            "escalate": "ticket is closed",
        },
    ),
]


@pytest.mark.parametrize(("facts", "load", "dropped"), NO_OPS)
def test_decisions_that_would_change_nothing_or_be_refused_are_dropped(
    rules: Any,
    directory: Directory,
    facts: dict[str, Any],
    load: dict[str, int],
    dropped: dict[str, str],
) -> None:
    planned = plan(rules, situation(directory, load, **facts), MATRIX)

    assert {d.kind: why for d, why in planned.dropped} == dropped
    kinds = {s.decision.kind for s in planned.steps}
    assert kinds.isdisjoint(dropped)
    assert "webhook" in kinds  # a webhook is a notification, never a no-op


DESCRIPTIONS = [
    (
        "route",
        {"queue": None, "group": None},
        {"queue": "service-desk", "group": "service-desk-l1"},
        {"queue": "network", "group": "network-l2"},
        "would have routed to network (group network-l2) instead of "
        "service-desk (group service-desk-l1)",
    ),
    (
        "assign",
        {"assignee": None},
        {"assignee": "ada"},
        {"assignee": None},
        "would have left it at unassigned; automation assigned to ada",
    ),
    (
        "priority",
        {"priority": "P3", "impact": 2, "urgency": 2},
        {"priority": "P3", "impact": 2, "urgency": 2},
        {"priority": "P2", "impact": 2, "urgency": 1},
        "would have set priority P2 (impact 2, urgency 1); automation left it at "
        "P3 (impact 2, urgency 2)",
    ),
    (
        "tag",
        {"tags": []},
        {"tags": ["vip"]},
        {"tags": ["vip", "x"]},
        "would have tagged vip, x instead of vip",
    ),
    (
        "escalate",
        {"escalation_level": 0},
        {"escalation_level": 1},
        {"escalation_level": 2},
        "would have escalated to level 2 instead of level 1",
    ),
]


@pytest.mark.parametrize(("kind", "before", "actual", "cand", "text"), DESCRIPTIONS)
def test_differences_read_as_counterfactual_sentences(
    kind: str,
    before: dict[str, Any],
    actual: dict[str, Any],
    cand: dict[str, Any],
    text: str,
) -> None:
    assert describe(kind, before, actual, cand) == text

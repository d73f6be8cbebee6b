"""The rules processor end to end: routing, priority, assignment, attribution."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from tests.support.rules_runtime import (
    DEFAULT_RULES,
    activate,
    activate_default,
    open_ticket,
    rules_runtime,
    seed_directory,
    ticket,
)
from tests.support.runtime import START
from ticketing.aggregates.envelope import Actor
from ticketing.aggregates.ticket import Ticket
from ticketing.commands.service import CommandContext
from ticketing.rules import RuleSetError
from ticketing.rules.history import activation_history
from ticketing.rules.wiring import RulesRunner

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from ticketing.runtime import Runtime

pytestmark = pytest.mark.integration


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    rt, _ = rules_runtime(f"sqlite:///{tmp_path / 'rules.db'}")
    seed_directory(rt)
    activate_default(rt)
    yield rt
    rt.close()


def _events(runtime: Runtime, ticket_id: object) -> list[object]:
    records = runtime.recorder.select_aggregate_records(ticket_id)  # type: ignore[arg-type]
    return [runtime.app.mapper.to_domain_event(r) for r in records]


def test_a_new_ticket_is_routed_and_assigned_by_the_active_rule_set(
    runtime: Runtime,
) -> None:
    rules = RulesRunner(runtime, threading.Event())
    rules.run_once(warm=False)
    ticket_id = open_ticket(runtime, title="Printer on floor 3 jams")

    rules.run_once(warm=True)
    rules.run_once(warm=True)

    t = ticket(runtime, ticket_id)
    assert (t.queue, t.group) == ("service-desk", "service-desk-l1")
    assert t.assignee == "ada"  # least loaded on shift (cleo is off shift)
    kinds = [type(e).__name__ for e in _events(runtime, ticket_id)]
    assert kinds == ["Opened", "Routed", "Assigned"]


def test_every_automated_event_carries_its_attribution(runtime: Runtime) -> None:
    rules = RulesRunner(runtime, threading.Event())
    rules.run_once(warm=False)
    ticket_id = open_ticket(
        runtime, title="VPN down", category="network", requester_org="executive-office"
    )

    for _ in range(3):
        rules.run_once(warm=True)

    events = _events(runtime, ticket_id)
    opened = events[0]
    automated = [e for e in events if e.meta.actor.kind == "rule"]  # type: ignore[attr-defined]
    assert {type(e).__name__ for e in automated} >= {"Routed", "PriorityChanged"}
    for event in automated:
        meta = event.meta  # type: ignore[attr-defined]
        assert meta.actor.id == f"rule:{meta.rule_id}"
        assert meta.rule_set_version == "default-v1"
        assert meta.correlation_id == opened.meta.correlation_id  # type: ignore[attr-defined]
        assert meta.causation_id is not None
        assert meta.depth >= 1
    assert isinstance(events[1], Ticket.Routed)
    assert events[1].meta.causation_id == f"{ticket_id}:1"


def test_a_burst_is_shared_round_robin_as_if_one_at_a_time(runtime: Runtime) -> None:
    # given six password resets opened before the processor sees any of them
    rules = RulesRunner(runtime, threading.Event())
    rules.run_once(warm=False)
    ids = [open_ticket(runtime, title=f"Password reset {i}") for i in range(6)]

    # when the processor handles them in one batch
    rules.run_once(warm=True)

    # then each pick saw the previous ones (IAM-1: round robin in iam)
    assignees = [ticket(runtime, i).assignee for i in ids]
    assert assignees == ["ian", "iris", "ivo", "ian", "iris", "ivo"]


def test_a_burst_respects_capacity_and_least_load(runtime: Runtime) -> None:
    rules = RulesRunner(runtime, threading.Event())
    rules.run_once(warm=False)
    ids = [open_ticket(runtime, title=f"Screen flickers {i}") for i in range(4)]

    for _ in range(3):
        rules.run_once(warm=True)

    assignees = [ticket(runtime, i).assignee for i in ids]
    assert assignees == ["ada", "ben", "ada", "ben"]


PING_PONG = """version = "ping-pong-1"
max_chain_depth = 3

[[rule]]
id = "PING"
on = ["opened", "changed"]
when = "urgency == 2"
set_priority = { urgency = 1 }

[[rule]]
id = "PONG"
on = ["changed"]
when = "urgency == 1"
set_priority = { urgency = 2 }
"""


def test_a_rule_loop_stops_at_the_rule_sets_bound_with_a_visible_halt(
    runtime: Runtime,
) -> None:
    activate(runtime, PING_PONG, "ping-pong.toml")
    rules = RulesRunner(runtime, threading.Event())
    rules.run_once(warm=False)
    ticket_id = open_ticket(runtime, urgency=2)

    for _ in range(6):
        rules.run_once(warm=True)

    events = _events(runtime, ticket_id)
    kinds = [type(e).__name__ for e in events]
    assert kinds == [
        "Opened",
        "PriorityChanged",
        "PriorityChanged",
        "PriorityChanged",
        "AutomationHalted",
    ]
    halt = events[-1]
    assert isinstance(halt, Ticket.AutomationHalted)
    assert (halt.rule_id, halt.action, halt.depth) == ("PONG", "set_priority", 4)
    assert "limit 3" in halt.reason
    assert [e.meta.depth for e in events] == [0, 1, 2, 3, 4]  # type: ignore[attr-defined]


def test_imported_tickets_never_trigger_rules(runtime: Runtime) -> None:
    rules = RulesRunner(runtime, threading.Event())
    rules.run_once(warm=False)
    importer = CommandContext(
        actor=Actor(id="migration", role="import", kind="import"),
        occurred_at=START,
    )
    ticket_id = open_ticket(runtime, importer, title="Password reset")

    rules.run_once(warm=True)

    assert [type(e).__name__ for e in _events(runtime, ticket_id)] == ["Opened"]


def test_a_bad_rule_file_is_rejected_whole_and_the_active_version_stays(
    runtime: Runtime,
) -> None:
    head = runtime.projections.source.head()
    bad = (
        DEFAULT_RULES.read_text("utf-8")
        .replace('version = "default-v1"', 'version = "default-v2"')
        .replace(
            'assign = { strategy = "round_robin", group = "iam" }',
            'assign = { agent = "nobody" }',
        )
    )

    with pytest.raises(RuleSetError) as caught:
        activate(runtime, bad, "default-v2.toml")

    problem = caught.value.details["problems"][0]
    assert problem == {
        "file": "default-v2.toml",
        "line": 81,
        "rule_id": "IAM-1",
        "field": "assign.agent",
        "reason": "unknown agent 'nobody'",
    }
    assert runtime.projections.source.head() == head
    history = activation_history(runtime.projections.source, runtime.clock.now())
    assert [(h.version, h.status) for h in history] == [("default-v1", "in force")]


def test_a_scheduled_activation_takes_over_at_its_time(
    tmp_path: Path,
) -> None:
    rt, clock = rules_runtime(f"sqlite:///{tmp_path / 'sched.db'}")
    try:
        seed_directory(rt)
        activate_default(rt)
        later = (
            DEFAULT_RULES.read_text("utf-8")
            .replace('version = "default-v1"', 'version = "night-v1"')
            .replace(
                'route = { queue = "service-desk", group = "service-desk-l1" }',
                'route = { queue = "hardware", group = "hardware-field" }',
            )
        )
        activate(rt, later, "night-v1.toml", at=START + timedelta(hours=8))
        rules = RulesRunner(rt, threading.Event())
        rules.run_once(warm=False)

        before = open_ticket(rt, title="Screen flickers")
        rules.run_once(warm=True)
        clock.advance(timedelta(hours=9))
        after = open_ticket(rt, title="Screen flickers")
        rules.run_once(warm=True)

        assert ticket(rt, before).queue == "service-desk"
        assert ticket(rt, after).queue == "hardware"
        routed = [e for e in _events(rt, after) if isinstance(e, Ticket.Routed)]
        assert routed[0].meta.rule_set_version == "night-v1"
    finally:
        rt.close()

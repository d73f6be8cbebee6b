"""The rules processor end to end: routing, priority, assignment, attribution."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest

from tests.support.rules_runtime import (
    activate_default,
    open_ticket,
    rules_runtime,
    seed_directory,
    ticket,
)
from ticketing.aggregates.ticket import Ticket
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

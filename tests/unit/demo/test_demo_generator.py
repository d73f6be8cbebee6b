"""The demo's generated steps look like a real service desk (pure, no database)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ticketing.demo.catalog import CATEGORIES, OFFICE_HOURS, ZONE
from ticketing.demo.generator import DemoGenerator
from ticketing.demo.run import DEFAULT_START

if TYPE_CHECKING:
    from ticketing.commands.script import ScriptStep

STEPS = DemoGenerator(tickets=200, seed=1, start=DEFAULT_START).generate()
OPENS = [s for s in STEPS if s.is_open]


def in_office(step: ScriptStep) -> bool:
    local = step.at.astimezone(ZoneInfo(ZONE))
    return local.weekday() < 5 and OFFICE_HOURS[0] <= local.hour < OFFICE_HOURS[1]


def test_the_demo_uses_every_type_command_and_hold_reason() -> None:
    commands = Counter(s.command for s in STEPS)
    holds = {s.args["reason"] for s in STEPS if s.command == "put_on_hold"}

    assert {s.args["type"] for s in OPENS} == {
        "incident",
        "service_request",
        "problem",
        "change",
    }
    assert holds == {
        "awaiting_caller",
        "awaiting_vendor",
        "awaiting_problem",
        "awaiting_change",
    }
    for name in (
        "route_ticket",
        "assign_ticket",
        "add_comment",
        "resume_ticket",
        "change_priority",
        "escalate_ticket",
        "resolve_ticket",
        "reopen_ticket",
        "close_ticket",
        "cancel_ticket",
        "link_tickets",
    ):
        assert commands[name] > 0, name


def test_arrivals_are_in_office_hours_except_some_p1_incidents() -> None:
    outside = [s for s in OPENS if not in_office(s)]

    assert len(outside) < len(OPENS) * 0.1
    assert outside
    assert all((s.args["impact"], s.args["urgency"]) == (1, 1) for s in outside)


def test_tickets_are_routed_to_the_queue_of_their_category() -> None:
    queue_of = {c.name: c.queue for c in CATEGORIES}
    category = {s.key: s.args["category"] for s in OPENS}

    for step in STEPS:
        if step.command == "route_ticket":
            assert step.ticket is not None
            assert step.args["queue"] == queue_of[category[step.ticket[1:]]]


def test_generation_is_deterministic_per_seed() -> None:
    again = DemoGenerator(tickets=200, seed=1, start=DEFAULT_START).generate()
    other = DemoGenerator(tickets=200, seed=2, start=DEFAULT_START).generate()

    assert again == STEPS
    assert other != STEPS


def test_big_demos_stay_within_about_a_year() -> None:
    generator = DemoGenerator(tickets=6000, seed=1, start=DEFAULT_START)

    steps = generator.generate()

    assert max(s.at for s in steps) < DEFAULT_START + timedelta(days=400)
    assert sum(1 for s in steps if s.is_open) == 6000

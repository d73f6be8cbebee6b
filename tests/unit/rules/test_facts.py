"""Ticket facts: from a Ticket aggregate, from plain data, and derived values."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.support.rules_fixtures import BASE_FACTS, NOW, build_facts
from ticketing.aggregates.drafts import TicketDraft
from ticketing.aggregates.envelope import Actor, Envelope, EventContext
from ticketing.aggregates.ticket import Ticket
from ticketing.errors import InvalidCommandError
from ticketing.policies.priority import load_priority_matrix
from ticketing.rules import TicketFacts, facts_from_mapping, facts_from_ticket
from ticketing.rules.facts import words_of

AGENT = Actor(id="ada", role="agent", kind="human")


def context(minutes: int) -> EventContext:
    envelope = Envelope(actor=AGENT, command_id=str(uuid.uuid4()), correlation_id="c")
    return EventContext(envelope=envelope, occurred_at=NOW + timedelta(minutes=minutes))


def test_facts_from_a_ticket_aggregate_reflect_its_current_state() -> None:
    draft = TicketDraft(
        number="INC0000001",
        type="incident",
        title="VPN drops",
        description="Every ten minutes",
        impact=2,
        urgency=1,
        matrix=load_priority_matrix(),
        requester_id="u-1",
        channel="phone",
        category="network",
        requester_org="finance",
        tags=("remote",),
    )
    ticket = Ticket.open(uuid.uuid4(), context(0), draft)
    ticket.route(context(5), "network", "network-l2")
    ticket.put_on_hold(context(9), "awaiting_vendor", None)

    facts = facts_from_ticket(ticket, sla_percent=42.5)

    assert (facts.type, facts.category, facts.priority) == ("incident", "network", "P2")
    assert (facts.queue, facts.group, facts.assignee) == ("network", "network-l2", None)
    assert (facts.state, facts.hold_reason) == ("on_hold", "awaiting_vendor")
    assert (facts.channel, facts.requester_org, facts.tags) == (
        "phone",
        "finance",
        frozenset({"remote"}),
    )
    assert facts.opened_at == NOW
    assert facts.last_activity_at == NOW + timedelta(minutes=9)
    assert facts.sla_percent == 42.5
    assert facts.words == frozenset({"vpn", "drops", "every", "ten", "minutes"})


def test_facts_from_a_mapping_accept_iso_times_and_default_last_activity() -> None:
    facts = facts_from_mapping(
        {**BASE_FACTS, "opened_at": "2026-03-01T08:00:00+01:00", "tags": ["a", "a"]}
    )

    assert facts.opened_at.isoformat() == "2026-03-01T08:00:00+01:00"
    assert facts.last_activity_at == facts.opened_at
    assert facts.tags == frozenset({"a"})
    assert facts.age(NOW) == timedelta(days=1, hours=3)


def test_facts_from_a_mapping_report_every_bad_value_at_once() -> None:
    data = {
        **BASE_FACTS,
        "type": "outage",
        "impact": 4,
        "urgency": True,
        "opened_at": "2026-03-01T08:00:00",
        "last_activity_at": "yesterday",
        "tags": "vip",
        "sla_percent": -1,
        "hold_reason": "lunch",
        "priority_overridden": "yes",
        "category": 7,
        "colour": "red",
    }
    del data["title"]

    with pytest.raises(InvalidCommandError) as caught:
        facts_from_mapping(data)

    assert set(caught.value.details["fields"]) == {
        "type",
        "impact",
        "urgency",
        "opened_at",
        "last_activity_at",
        "tags",
        "sla_percent",
        "hold_reason",
        "priority_overridden",
        "category",
        "colour",
        "title",
    }


def test_facts_need_aware_times() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        TicketFacts(
            type="incident",
            title="t",
            requester_id="u",
            impact=1,
            urgency=1,
            priority="P1",
            opened_at=NOW.replace(tzinfo=None),
            last_activity_at=NOW,
        )


def test_age_and_idle_are_never_negative() -> None:
    facts = build_facts(opened_at=NOW, last_activity_at=NOW)

    assert facts.age(NOW - timedelta(hours=1)) == timedelta(0)
    assert facts.idle(NOW - timedelta(hours=1)) == timedelta(0)


def test_words_are_casefolded_runs_of_letters_and_digits() -> None:
    assert words_of("Can't print: HP-4200!", "Straße 5") == frozenset(
        {"can", "t", "print", "hp", "4200", "strasse", "5"}
    )


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("title", None, "must be a string"),
        ("channel", 5, "must be a string"),
        ("escalation_level", "high", "must be an integer"),
        ("escalation_level", 10, "between 0 and 9"),
        ("priority", "P9", "must be one of"),
        ("opened_at", 1700000000, "must be a date-time"),
        ("opened_at", "2026-03-01T08:00:00", "UTC offset"),
        ("tags", [1, 2], "list of strings"),
        ("sla_percent", "80%", "number or null"),
        ("sla_percent", True, "number or null"),
    ],
)
def test_each_bad_fact_value_names_its_reason(
    field: str, value: object, reason: str
) -> None:
    with pytest.raises(InvalidCommandError) as caught:
        facts_from_mapping({**BASE_FACTS, field: value})

    assert reason in caught.value.details["fields"][field]


def test_null_is_accepted_for_nullable_facts() -> None:
    facts = facts_from_mapping(
        {**BASE_FACTS, "hold_reason": None, "sla_percent": None, "queue": None}
    )

    assert (facts.hold_reason, facts.sla_percent, facts.queue) == (None, None, None)

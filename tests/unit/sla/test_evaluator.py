"""SlaEvaluator contract: incremental folding, input checks and the evidence format."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.support.sla_builders import TicketStory, ams, evaluator, policy
from ticketing.aggregates.ticket import Ticket
from ticketing.errors import PolicyError
from ticketing.policies.calendar_file import load_calendar
from ticketing.policies.sla_file import load_sla_policy
from ticketing.sla import SLA_EVENT_TYPES, SlaEvaluator
from ticketing.sla.codec import dump_state, load_state
from ticketing.sla.evidence import EVIDENCE_FORMAT, evaluation_evidence

H = timedelta(hours=1)


def story() -> TicketStory:
    return (
        TicketStory(ams("2026-03-02 09:00"), priority="P3")
        .route(ams("2026-03-02 09:05"), "desk")
        .comment(ams("2026-03-02 09:30"))
        .hold(ams("2026-03-02 10:00"))
        .resume(ams("2026-03-02 11:00"))
        .resolve(ams("2026-03-02 12:00"))
    )


def test_folding_one_event_at_a_time_equals_folding_the_history() -> None:
    history = story().history
    ev = evaluator()
    state = None

    for position, event in history:
        state = ev.fold(state, position, event)

    assert state == ev.fold_all(history)


def test_events_that_cannot_affect_a_clock_leave_the_state_untouched() -> None:
    s = TicketStory(ams("2026-03-02 09:00"))
    ev = evaluator()
    state = ev.fold_all(s.history)
    s.route(ams("2026-03-02 09:05"), "desk")
    position, routed = s.history[-1]

    assert ev.fold(state, position, routed) is state


def test_sla_event_types_are_the_ones_that_can_move_a_clock() -> None:
    assert Ticket.Opened in SLA_EVENT_TYPES
    assert Ticket.PriorityChanged in SLA_EVENT_TYPES
    assert Ticket.Routed not in SLA_EVENT_TYPES
    assert Ticket.Escalated not in SLA_EVENT_TYPES


def test_history_must_start_with_opened() -> None:
    history = story().history

    with pytest.raises(ValueError, match="starts with Opened"):
        evaluator().fold(None, *history[2])


def test_opened_cannot_come_twice() -> None:
    history = story().history
    state = evaluator().fold_all(history)

    with pytest.raises(ValueError, match="already opened"):
        evaluator().fold(state, 10_000, history[0][1])


def test_empty_history_is_refused() -> None:
    with pytest.raises(ValueError, match="at least the Opened"):
        evaluator().fold_all([])


def test_events_of_another_ticket_are_refused() -> None:
    state = evaluator().fold_all(story().history)
    other = TicketStory(ams("2026-03-02 09:00")).comment(ams("2026-03-02 10:00"))

    with pytest.raises(ValueError, match="folded into"):
        evaluator().fold(state, 10_000, other.history[-1][1])


def test_events_out_of_log_order_are_refused() -> None:
    history = story().history
    state = evaluator().fold_all(history[:4])

    with pytest.raises(ValueError, match="out of order"):
        evaluator().fold(state, history[2][0], history[4][1])


def test_as_of_before_the_last_event_is_refused() -> None:
    state = evaluator().fold_all(story().history)

    with pytest.raises(ValueError, match="before the last folded event"):
        evaluator().evaluate(state, ams("2026-03-02 11:59"))


def test_state_is_bound_to_the_policy_it_was_folded_under() -> None:
    state = evaluator().fold_all(story().history)

    with pytest.raises(ValueError, match="folded under policy default-v1"):
        evaluator(policy()).evaluate(state, ams("2026-03-02 12:00"))


def test_every_calendar_of_the_policy_must_be_provided() -> None:
    calendars = {"24x7-v1": load_calendar("24x7-v1")}

    with pytest.raises(PolicyError, match="nl-office-v1"):
        SlaEvaluator(load_sla_policy(), calendars)


def test_evidence_is_json_with_every_transition_citing_its_event() -> None:
    history = story().history
    evaluation = evaluator().evaluate_history(history, ams("2026-03-02 13:00"))

    evidence = json.loads(json.dumps(evaluation_evidence(evaluation)))

    assert evidence["format"] == EVIDENCE_FORMAT
    assert evidence["policy_version"] == "default-v1"
    assert evidence["as_of"] == "2026-03-02T12:00:00Z"
    response, resolution = evidence["clocks"]
    assert (response["state"], response["elapsed"]) == ("met", "30m")
    assert resolution["state"] == "paused"
    assert resolution["elapsed_seconds"] == 2 * 3600
    positions = {p for p, _ in history}
    for clock in evidence["clocks"]:
        for transition in clock["transitions"]:
            assert transition["cause"]["position"] in positions
            assert transition["cause"]["ticket_id"] == evidence["ticket_id"]
            assert transition["calendar_version"] == "nl-office-v1"
    assert [t["kind"] for t in resolution["transitions"]] == [
        "started",
        "paused",
        "resumed",
        "paused",
    ]
    assert [r["business_time"] for r in resolution["arithmetic"]] == ["1h", "1h"]
    assert resolution["pauses"][-1]["end"] is None
    assert resolution["pauses"][-1]["paused_by"]["event_type"] == "Resolved"


def test_arithmetic_adds_up_to_elapsed() -> None:
    evaluation = evaluator().evaluate_history(story().history, ams("2026-03-02 13:00"))

    for clock in evaluation.clocks:
        total = sum((r.business_time for r in clock.arithmetic), timedelta(0))
        assert total == clock.elapsed
        assert clock.remaining == clock.target - clock.elapsed


def test_stored_state_of_an_unknown_format_is_refused() -> None:
    data = dump_state(evaluator().fold_all(story().history)) | {"format": 99}

    with pytest.raises(ValueError, match="unknown SLA state format 99"):
        load_state(data)


def test_stored_state_writes_each_event_once() -> None:
    state = evaluator().fold_all(story().history)

    data = dump_state(state)

    # Opened, the public reply, hold, resume and resolve; the routing is not kept
    assert [e[2] for e in data["events"]] == [
        "Opened",
        "CommentAdded",
        "PutOnHold",
        "Resumed",
        "Resolved",
    ]
    assert load_state(data) == state

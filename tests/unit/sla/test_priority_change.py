"""Priority changes: retroactive (default) re-judges the whole clock under the new
target and calendar; restart cancels the live clocks and starts new ones.

P1: response 15m / resolution 4h, P2: 30m / 8h, both 24x7. P3: 4h / 30h and
P4: 8h / 50h on nl-office-v1 (Mon-Fri 08:00-18:00 Amsterdam).
"""

from __future__ import annotations

from datetime import timedelta

from tests.support.sla_builders import TicketStory, ams, evaluator, policy

H, M = timedelta(hours=1), timedelta(minutes=1)
RESTART = policy(priority_change="restart")


def test_raising_priority_applies_the_stricter_target_to_the_whole_clock() -> None:
    story = TicketStory(ams("2026-03-02 09:00"), priority="P3")
    story.change_priority(ams("2026-03-02 10:00"), "P1")

    evaluation = evaluator().evaluate_history(story.history, ams("2026-03-02 12:00"))

    response = evaluation.latest("response")
    assert (response.priority, response.calendar_version) == ("P1", "24x7-v1")
    assert (response.state, response.elapsed) == ("running", 3 * H)
    assert response.breached_at == ams("2026-03-02 09:15")  # before the change itself
    assert [t.kind for t in response.transitions] == ["started", "target_changed"]
    assert all(t.calendar_version == "24x7-v1" for t in response.transitions)
    resolution = evaluation.latest("resolution")
    assert (resolution.elapsed, resolution.due_at) == (3 * H, ams("2026-03-02 13:00"))


def test_lowering_priority_applies_the_laxer_target_and_its_calendar() -> None:
    # opened P1 on Friday 17:00, lowered to P3 ten minutes later
    story = TicketStory(ams("2026-03-06 17:00"), priority="P1")
    story.change_priority(ams("2026-03-06 17:10"), "P3")
    story.comment(ams("2026-03-09 08:30"))

    evaluation = evaluator().evaluate_history(story.history, ams("2026-03-09 09:00"))

    response = evaluation.latest("response")
    assert (response.priority, response.calendar_version) == ("P3", "nl-office-v1")
    assert (response.state, response.elapsed) == ("met", 90 * M)
    resolution = evaluation.latest("resolution")
    assert (resolution.state, resolution.elapsed) == ("running", 2 * H)


def test_a_stopped_clock_keeps_the_priority_it_stopped_under() -> None:
    story = TicketStory(ams("2026-03-02 09:00"), priority="P3")
    story.comment(ams("2026-03-02 10:00"))
    story.change_priority(ams("2026-03-02 11:00"), "P1")

    evaluation = evaluator().evaluate_history(story.history, ams("2026-03-02 11:30"))

    response = evaluation.latest("response")
    assert (response.state, response.priority, response.elapsed) == ("met", "P3", H)
    resolution = evaluation.latest("resolution")
    assert (resolution.priority, resolution.elapsed) == ("P1", 150 * M)
    assert resolution.due_at == ams("2026-03-02 13:00")


def test_a_change_that_keeps_the_priority_changes_no_clock() -> None:
    story = TicketStory(ams("2026-03-02 09:00"), priority="P3")
    before = evaluator().fold_all(story.history)
    story.change_priority(ams("2026-03-02 10:00"), "P3", impact=1)

    after = evaluator().fold_all(story.history)

    assert after == before


def test_restart_cancels_the_live_clocks_and_starts_new_ones() -> None:
    story = TicketStory(ams("2026-03-02 09:00"), priority="P3")
    story.change_priority(ams("2026-03-02 10:00"), "P1")

    evaluation = evaluator(RESTART).evaluate_history(
        story.history, ams("2026-03-02 10:10")
    )

    responses = evaluation.of("response")
    assert [(c.sequence, c.priority, c.state, c.elapsed) for c in responses] == [
        (1, "P3", "canceled", 1 * H),
        (2, "P1", "running", 10 * M),
    ]
    assert responses[1].due_at == ams("2026-03-02 10:15")
    resolutions = evaluation.of("resolution")
    assert [(c.sequence, c.state) for c in resolutions] == [
        (1, "canceled"),
        (2, "running"),
    ]
    assert resolutions[1].due_at == ams("2026-03-02 14:00")
    assert not any(c.counts_for_compliance for c in evaluation.clocks)


def test_restart_during_a_pausing_hold_starts_the_resolution_clock_paused() -> None:
    story = TicketStory(ams("2026-03-02 09:00"), priority="P3")
    story.hold(ams("2026-03-02 10:00"))
    story.change_priority(ams("2026-03-02 11:00"), "P2")
    story.resume(ams("2026-03-02 12:00"))

    evaluation = evaluator(RESTART).evaluate_history(
        story.history, ams("2026-03-02 13:00")
    )

    resolution = evaluation.latest("resolution")
    assert (resolution.sequence, resolution.elapsed) == (2, 1 * H)
    assert [(p.start, p.end) for p in resolution.pauses] == [
        (ams("2026-03-02 11:00"), ams("2026-03-02 12:00"))
    ]
    response = evaluation.latest("response")  # never pauses
    assert (response.elapsed, response.breached_at) == (2 * H, ams("2026-03-02 11:30"))


def test_restart_when_lowering_priority() -> None:
    story = TicketStory(ams("2026-03-02 09:00"), priority="P1")
    story.change_priority(ams("2026-03-02 09:10"), "P4")
    story.comment(ams("2026-03-02 12:00"))

    evaluation = evaluator(RESTART).evaluate_history(
        story.history, ams("2026-03-02 12:00")
    )

    assert [(c.priority, c.state, c.elapsed) for c in evaluation.of("response")] == [
        ("P1", "canceled", 10 * M),
        ("P4", "met", 170 * M),
    ]


def test_restart_leaves_a_stopped_response_clock_alone() -> None:
    story = TicketStory(ams("2026-03-02 09:00"), priority="P3")
    story.comment(ams("2026-03-02 09:30"))
    story.change_priority(ams("2026-03-02 10:00"), "P2")

    evaluation = evaluator(RESTART).evaluate_history(
        story.history, ams("2026-03-02 10:00")
    )

    assert [c.state for c in evaluation.of("response")] == ["met"]
    assert [c.state for c in evaluation.of("resolution")] == ["canceled", "running"]

"""The response clock, with hand-computed business time.

Tickets open Monday 2 March 2026 09:00 Amsterdam time as P3 (response 4h on
nl-office-v1, Mon-Fri 08:00-18:00), unless a case says otherwise.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from tests.support.sla_builders import TicketStory, ams, evaluator

if TYPE_CHECKING:
    from collections.abc import Callable

    from ticketing.sla.model import ClockResult

H, M = timedelta(hours=1), timedelta(minutes=1)
OPENED = ams("2026-03-02 09:00")


def response(steps: Callable[[TicketStory], object], as_of: datetime) -> ClockResult:
    story = TicketStory(OPENED, priority="P3")
    steps(story)
    return evaluator().evaluate_history(story.history, as_of).latest("response")


CASES = [
    pytest.param(
        lambda s: s.comment(ams("2026-03-02 11:30")),
        ams("2026-03-02 17:00"),
        ("met", 150 * M, None, ams("2026-03-02 11:30")),
        id="public agent reply stops it",
    ),
    pytest.param(
        lambda s: s.comment(ams("2026-03-02 10:00"), visibility="internal"),
        ams("2026-03-02 12:00"),
        ("running", 3 * H, None, None),
        id="internal agent note does not stop it",
    ),
    pytest.param(
        lambda s: s.comment(ams("2026-03-02 10:00"), author="requester"),
        ams("2026-03-02 12:00"),
        ("running", 3 * H, None, None),
        id="public requester reply does not stop it",
    ),
    pytest.param(
        lambda s: s.comment(ams("2026-03-02 10:00"), author="system"),
        ams("2026-03-02 12:00"),
        ("running", 3 * H, None, None),
        id="public system message does not stop it",
    ),
    pytest.param(
        lambda s: (
            s.comment(ams("2026-03-02 10:00"), "internal")
            .comment(ams("2026-03-02 10:30"), author="requester")
            .comment(ams("2026-03-02 12:15"))
        ),
        ams("2026-03-02 17:00"),
        ("met", 195 * M, None, ams("2026-03-02 12:15")),
        id="only the public agent reply counts",
    ),
    pytest.param(
        lambda s: s.comment(ams("2026-03-02 14:00")),
        ams("2026-03-02 17:00"),
        ("breached", 5 * H, ams("2026-03-02 13:00"), ams("2026-03-02 14:00")),
        id="late reply breaches at 13:00",
    ),
    pytest.param(
        lambda s: s.resolve(ams("2026-03-02 15:00")),
        ams("2026-03-02 17:00"),
        ("breached", 6 * H, ams("2026-03-02 13:00"), ams("2026-03-02 15:00")),
        id="resolved before any reply stops it",
    ),
    pytest.param(
        lambda s: s.hold(ams("2026-03-02 10:00")).resume(ams("2026-03-02 11:00")),
        ams("2026-03-02 12:00"),
        ("running", 3 * H, None, None),
        id="never pauses on hold",
    ),
    pytest.param(
        lambda s: s.cancel(ams("2026-03-02 10:00")),
        ams("2026-03-02 17:00"),
        ("canceled", 1 * H, None, ams("2026-03-02 10:00")),
        id="canceled before reply",
    ),
    pytest.param(
        lambda s: s.comment(ams("2026-03-02 09:30")).cancel(ams("2026-03-02 10:00")),
        ams("2026-03-02 17:00"),
        ("met", 30 * M, None, ams("2026-03-02 09:30")),
        id="cancel after reply keeps it met",
    ),
    pytest.param(
        lambda s: s.comment(ams("2026-03-02 09:00")),
        ams("2026-03-02 09:00"),
        ("met", 0 * H, None, ams("2026-03-02 09:00")),
        id="reply at the opening instant",
    ),
]


@pytest.mark.parametrize(("steps", "as_of", "expected"), CASES)
def test_response_clock(
    steps: Callable[[TicketStory], object],
    as_of: datetime,
    expected: tuple[str, timedelta, datetime | None, datetime | None],
) -> None:
    clock = response(steps, as_of)

    assert (clock.state, clock.elapsed, clock.breached_at, clock.stopped_at) == expected


def test_reply_exactly_at_the_target_over_a_weekend_is_met() -> None:
    # Fri 16:00-18:00 is 2h, Mon 08:00-10:00 another 2h: exactly the 4h target
    story = TicketStory(ams("2026-03-06 16:00"), priority="P3")
    story.comment(ams("2026-03-09 10:00"))

    clock = evaluator().evaluate_history(story.history, ams("2026-03-09 12:00"))

    assert clock.latest("response").state == "met"
    assert clock.latest("response").elapsed == 4 * H
    assert clock.latest("response").breached_at is None


def test_reply_a_minute_after_the_target_breaches_at_the_target_instant() -> None:
    story = TicketStory(ams("2026-03-06 16:00"), priority="P3")
    story.comment(ams("2026-03-09 10:01"))

    clock = evaluator().evaluate_history(story.history, ams("2026-03-09 12:00"))

    assert clock.latest("response").state == "breached"
    assert clock.latest("response").breached_at == ams("2026-03-09 10:00")


def test_running_clock_is_due_when_the_target_will_be_reached() -> None:
    clock = response(lambda s: s, ams("2026-03-02 10:00"))

    assert clock.state == "running"
    assert clock.due_at == ams("2026-03-02 13:00")
    assert clock.remaining == 3 * H


def test_running_clock_due_after_the_weekend() -> None:
    story = TicketStory(ams("2026-03-06 17:00"), priority="P3")

    clock = evaluator().evaluate_history(story.history, ams("2026-03-06 17:30"))

    assert clock.latest("response").due_at == ams("2026-03-09 11:00")


def test_running_clock_past_its_target_reports_the_breach_while_running() -> None:
    clock = response(lambda s: s, ams("2026-03-02 15:00"))

    assert clock.state == "running"
    assert clock.is_breached
    assert clock.breached_at == ams("2026-03-02 13:00")
    assert clock.due_at == ams("2026-03-02 13:00")
    assert clock.remaining == -2 * H


def test_p1_counts_around_the_clock() -> None:
    story = TicketStory(ams("2026-03-07 02:00"), priority="P1")  # a Saturday night
    story.comment(ams("2026-03-07 02:20"))

    clock = evaluator().evaluate_history(story.history, ams("2026-03-07 03:00"))

    result = clock.latest("response")
    assert (result.state, result.elapsed) == ("breached", 20 * M)
    assert result.breached_at == ams("2026-03-07 02:15")
    assert result.calendar_version == "24x7-v1"

"""The resolution clock: holds, resolve/reopen in both modes, close and cancel.

Tickets open Monday 2 March 2026 09:00 Amsterdam time as P3 (resolution 30h on
nl-office-v1, Mon-Fri 08:00-18:00, so 9h on Monday, 10h on later weekdays).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from tests.support.sla_builders import TicketStory, ams, evaluator, policy

if TYPE_CHECKING:
    from collections.abc import Callable

    from ticketing.policies.sla import SlaPolicy
    from ticketing.sla.model import SlaEvaluation

H, M = timedelta(hours=1), timedelta(minutes=1)
OPENED = ams("2026-03-02 09:00")
VENDOR_DOES_NOT_PAUSE = policy(pausing_hold_reasons=["awaiting_caller"])
NEW_CYCLE = policy(reopen="new_cycle")


def evaluate(
    steps: Callable[[TicketStory], object],
    as_of: datetime,
    sla: SlaPolicy | None = None,
) -> SlaEvaluation:
    story = TicketStory(OPENED, priority="P3")
    steps(story)
    return evaluator(sla).evaluate_history(story.history, as_of)


CASES = [
    pytest.param(
        lambda s: s,
        ams("2026-03-02 12:00"),
        None,
        ("running", 3 * H, ams("2026-03-05 09:00")),
        id="running, due Thursday 09:00",
    ),
    pytest.param(
        lambda s: s.hold(ams("2026-03-02 11:00")),
        ams("2026-03-02 15:00"),
        None,
        ("paused", 2 * H, None),
        id="paused on a pausing hold, no due instant",
    ),
    pytest.param(
        lambda s: s.hold(ams("2026-03-02 11:00")).resume(ams("2026-03-03 11:00")),
        ams("2026-03-03 12:00"),
        None,
        ("running", 3 * H, ams("2026-03-06 09:00")),
        id="hold then resume",
    ),
    pytest.param(
        lambda s: s.hold(ams("2026-03-02 11:00"), "awaiting_vendor").resume(
            ams("2026-03-03 11:00")
        ),
        ams("2026-03-03 12:00"),
        VENDOR_DOES_NOT_PAUSE,
        ("running", 13 * H, ams("2026-03-05 09:00")),
        id="hold with a non-pausing reason keeps running",
    ),
    pytest.param(
        lambda s: s.resolve(ams("2026-03-04 12:00")),
        ams("2026-03-06 12:00"),
        None,
        ("paused", 23 * H, None),
        id="resolved but not closed is paused",
    ),
    pytest.param(
        lambda s: s.resolve(ams("2026-03-04 12:00")).close(ams("2026-03-06 12:00")),
        ams("2026-03-06 12:00"),
        None,
        ("met", 23 * H, None),
        id="closed counts up to the resolution",
    ),
    pytest.param(
        lambda s: s.resolve(ams("2026-03-05 12:00")).close(ams("2026-03-06 12:00")),
        ams("2026-03-06 12:00"),
        None,
        ("breached", 33 * H, None),
        id="closed late breaches",
    ),
    pytest.param(
        lambda s: (
            s.hold(ams("2026-03-02 10:00"))
            .resolve(ams("2026-03-02 12:00"))
            .reopen(ams("2026-03-03 09:00"))
        ),
        ams("2026-03-03 10:00"),
        None,
        ("running", 2 * H, ams("2026-03-05 18:00")),
        id="resolved while on hold, then reopened",
    ),
    pytest.param(
        lambda s: s.cancel(ams("2026-03-02 12:00")),
        ams("2026-03-03 12:00"),
        None,
        ("canceled", 3 * H, None),
        id="canceled",
    ),
]


@pytest.mark.parametrize(("steps", "as_of", "sla", "expected"), CASES)
def test_resolution_clock(
    steps: Callable[[TicketStory], object],
    as_of: datetime,
    sla: SlaPolicy | None,
    expected: tuple[str, timedelta, datetime | None],
) -> None:
    clock = evaluate(steps, as_of, sla).latest("resolution")

    assert (clock.state, clock.elapsed, clock.due_at) == expected


def test_breach_instant_is_when_elapsed_reached_the_target() -> None:
    # Mon 9h + Tue 10h + Wed 10h = 29h, so the 30th hour ends Thursday 09:00
    clock = evaluate(
        lambda s: s.resolve(ams("2026-03-05 12:00")).close(ams("2026-03-06 12:00")),
        ams("2026-03-06 12:00"),
    ).latest("resolution")

    assert clock.breached_at == ams("2026-03-05 09:00")
    assert clock.counts_for_compliance


def test_pauses_and_transitions_cite_their_events() -> None:
    clock = evaluate(
        lambda s: s.hold(ams("2026-03-02 11:00")).resume(ams("2026-03-03 11:00")),
        ams("2026-03-03 12:00"),
    ).latest("resolution")

    assert [
        (t.kind, t.cause.event_type, t.cause.version) for t in clock.transitions
    ] == [
        ("started", "Opened", 1),
        ("paused", "PutOnHold", 2),
        ("resumed", "Resumed", 3),
    ]
    assert [(p.start, p.end, p.reason) for p in clock.pauses] == [
        (ams("2026-03-02 11:00"), ams("2026-03-03 11:00"), "on hold: awaiting_caller")
    ]
    assert [(r.business_time, r.cumulative, r.ongoing) for r in clock.arithmetic] == [
        (2 * H, 2 * H, False),
        (1 * H, 3 * H, True),
    ]


def test_non_pausing_hold_is_noted_in_the_evidence() -> None:
    clock = evaluate(
        lambda s: s.hold(ams("2026-03-02 11:00"), "awaiting_vendor"),
        ams("2026-03-02 12:00"),
        VENDOR_DOES_NOT_PAUSE,
    ).latest("resolution")

    assert clock.transitions[-1].kind == "hold_not_pausing"
    assert "awaiting_vendor" in clock.transitions[-1].detail
    assert clock.pauses == ()


def reopened(story: TicketStory) -> TicketStory:
    """Resolved after 8h on Monday, reopened Tuesday 10:00, resolved at 12:00."""
    return (
        story.resolve(ams("2026-03-02 17:00"))
        .reopen(ams("2026-03-03 10:00"))
        .resolve(ams("2026-03-03 12:00"))
        .close(ams("2026-03-04 09:00"))
    )


def test_reopen_resumes_the_same_clock_by_default() -> None:
    evaluation = evaluate(reopened, ams("2026-03-04 09:00"))

    clocks = evaluation.of("resolution")
    assert len(clocks) == 1
    assert (clocks[0].state, clocks[0].elapsed) == ("met", 10 * H)
    assert [(p.start, p.end) for p in clocks[0].pauses] == [
        (ams("2026-03-02 17:00"), ams("2026-03-03 10:00")),
        (ams("2026-03-03 12:00"), ams("2026-03-04 09:00")),
    ]


def test_reopen_starts_a_new_cycle_under_new_cycle() -> None:
    evaluation = evaluate(reopened, ams("2026-03-04 09:00"), NEW_CYCLE)

    clocks = evaluation.of("resolution")
    assert [(c.cycle, c.state, c.elapsed) for c in clocks] == [
        (1, "met", 8 * H),
        (2, "met", 2 * H),
    ]
    assert [c.started_at for c in clocks] == [OPENED, ams("2026-03-03 10:00")]
    assert [c.stopped_at for c in clocks] == [
        ams("2026-03-03 10:00"),
        ams("2026-03-04 09:00"),
    ]
    assert clocks[0].transitions[-1].cause.event_type == "Reopened"


def test_each_cycle_is_judged_on_its_own() -> None:
    # cycle 1 runs 33h (breached); cycle 2 runs 1h (met)
    evaluation = evaluate(
        lambda s: (
            s.resolve(ams("2026-03-05 12:00"))
            .reopen(ams("2026-03-06 09:00"))
            .resolve(ams("2026-03-06 10:00"))
        ),
        ams("2026-03-06 11:00"),
        NEW_CYCLE,
    )

    states = [(c.cycle, c.state) for c in evaluation.of("resolution")]
    assert states == [(1, "breached"), (2, "paused")]


def test_thresholds_are_projected_while_running() -> None:
    clock = evaluate(lambda s: s, ams("2026-03-02 10:00")).latest("resolution")

    # 75% of 30h = 22h30m: Mon 9h + Tue 10h + Wed 3h30m -> Wed 11:30
    assert [
        (t.percent, t.business_time, t.at, t.projected) for t in clock.thresholds
    ] == [
        (75, 22 * H + 30 * M, ams("2026-03-04 11:30"), True),
        (100, 30 * H, ams("2026-03-05 09:00"), True),
    ]


def test_thresholds_reached_in_the_past_are_not_projected() -> None:
    clock = evaluate(
        lambda s: s.hold(ams("2026-03-04 12:00")), ams("2026-03-05 12:00")
    ).latest("resolution")

    # 23h ran before the hold: 75% was reached Wed 11:30, 100% not yet
    assert [(t.percent, t.at, t.projected) for t in clock.thresholds] == [
        (75, ams("2026-03-04 11:30"), False),
        (100, None, False),
    ]

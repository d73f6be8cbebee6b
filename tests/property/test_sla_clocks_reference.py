"""SLA clocks of random ticket histories against a minute-stepping reference.

Random valid policies (both priority-change and both reopen modes, random
pausing reasons, P1..Pk on 24x7 and the rest on a random calendar), random
calendars in DST zones, random valid histories on whole minutes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings

from tests.support.sla_reference import RefResult, ref_results
from tests.support.sla_strategies import ClockCase, clock_cases
from ticketing.aggregates.vocabulary import HOLD_REASONS

pytestmark = pytest.mark.property
CLOCKS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
LAWS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _comparable(clock: RefResult, due_known: bool) -> tuple[object, ...]:
    return (
        clock.metric,
        clock.cycle,
        clock.state,
        clock.started_at,
        clock.stopped_at,
        clock.priority,
        clock.elapsed,
        clock.breached_at,
        clock.due_at if due_known else "beyond the reference horizon",
    )


@CLOCKS
@given(case=clock_cases())
def test_clocks_match_minute_stepping(case: ClockCase) -> None:
    expected = ref_results(case.story.history, case.sla, case.calendars, case.as_of)

    evaluation = case.evaluate()

    actual = [*evaluation.of("response"), *evaluation.of("resolution")]
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected, strict=True):
        due_known = want.state != "running" or want.due_at is not None
        mine = RefResult(
            got.metric,
            got.cycle,
            got.state,
            got.started_at,
            got.stopped_at,
            got.priority,
            got.elapsed,
            got.breached_at,
            got.due_at,
        )
        assert _comparable(mine, due_known) == _comparable(want, due_known)


@LAWS
@given(case=clock_cases())
def test_pausing_never_increases_elapsed(case: ClockCase) -> None:
    pausing = replace(case.sla, pausing_hold_reasons=frozenset(HOLD_REASONS))
    never = replace(case.sla, pausing_hold_reasons=frozenset())

    with_pauses, without = case.evaluate(pausing).clocks, case.evaluate(never).clocks

    assert len(with_pauses) == len(without)
    for paused, running in zip(with_pauses, without, strict=True):
        assert (paused.metric, paused.sequence) == (running.metric, running.sequence)
        assert paused.elapsed <= running.elapsed


@LAWS
@given(case=clock_cases())
def test_figures_are_consistent(case: ClockCase) -> None:
    evaluation = case.evaluate()

    for clock in evaluation.clocks:
        end = clock.stopped_at or case.as_of
        assert timedelta(0) <= clock.elapsed <= end - clock.started_at
        assert clock.remaining == clock.target - clock.elapsed
        assert (
            sum((r.business_time for r in clock.arithmetic), timedelta(0))
            == clock.elapsed
        )
        assert (clock.breached_at is not None) == (clock.elapsed > clock.target)
        if clock.state == "running":
            assert clock.due_at is not None
            assert clock.due_at >= case.as_of or clock.due_at == clock.breached_at
        else:
            assert clock.due_at is None
        if clock.breached_at is not None:
            assert clock.started_at <= clock.breached_at <= end

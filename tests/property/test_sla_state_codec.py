"""SlaState survives being stored as JSON, and folding resumes from it."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.sla_strategies import ClockCase, clock_cases
from ticketing.sla import SlaEvaluator
from ticketing.sla.codec import dump_state, load_state

pytestmark = pytest.mark.property
CODEC = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@CODEC
@given(case=clock_cases(), split=st.integers(1, 20))
def test_folding_resumes_from_a_stored_state(case: ClockCase, split: int) -> None:
    evaluator = SlaEvaluator(case.sla, case.calendars)
    history = case.story.history
    head, tail = (
        history[: min(split, len(history))],
        history[min(split, len(history)) :],
    )

    stored = json.loads(json.dumps(dump_state(evaluator.fold_all(head))))
    resumed = evaluator.fold_all(tail, load_state(stored))

    assert resumed == evaluator.fold_all(history)
    assert evaluator.evaluate(resumed, case.as_of) == case.evaluate()

"""The audit fold's fast diff is the documented diff, value for value."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ticketing.projections.ticket_state import changed_fields, diff

pytestmark = pytest.mark.property

NAMES = st.sampled_from(["state", "queue", "assignee", "tags", "opened_at", "x"])
VALUES = (
    st.none()
    | st.integers(-2, 2)
    | st.sampled_from(["a", "b"])
    | st.lists(st.sampled_from(["a", "b"]), max_size=2)
)
STATES = st.dictionaries(NAMES, VALUES, max_size=6)


@settings(max_examples=500, deadline=None)
@given(before=STATES, after=STATES)
def test_changes_equal_the_diff_including_key_order(
    before: dict[str, Any], after: dict[str, Any]
) -> None:
    fast = changed_fields(before, after)

    expected = diff(before, after)
    assert fast == expected
    assert list(fast) == list(expected)

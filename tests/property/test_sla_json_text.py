"""The SLA rows' JSON text is exactly what ``json.dumps`` writes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticketing.sla.jsontext import COMPACT, compact_json, sorted_json

pytestmark = pytest.mark.property

#: What SLA rows hold: no floats; any text (escapes, non-ASCII, DEL included).
_SCALARS = st.none() | st.booleans() | st.integers() | st.text()
_JSON_DATA = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=30,
)


@given(data=_JSON_DATA)
def test_compact_text_is_json_dumps_text(data: Any) -> None:
    # given any float-free data, when written compactly
    text = compact_json(data)
    # then it is byte for byte what json.dumps writes, and reads back the same
    assert text == json.dumps(data, separators=COMPACT)
    assert json.loads(text) == data


@given(data=_JSON_DATA)
def test_sorted_text_is_json_dumps_sorted_text(data: Any) -> None:
    # given any float-free data, when written with sorted keys
    text = sorted_json(data)
    # then it is byte for byte json.dumps with sort_keys
    assert text == json.dumps(data, sort_keys=True, separators=COMPACT)


def test_text_needing_escapes_takes_the_exact_encoder() -> None:
    # given strings that json.dumps escapes (non-ASCII, control, DEL, quote)
    data = {"b": ["é ✓", "tab\there", "del\x7f", 'quote"'], "a": 1}
    # when written, then the escapes are json.dumps's
    assert sorted_json(data) == json.dumps(data, sort_keys=True, separators=COMPACT)
    assert "\\u00e9" in compact_json(data)

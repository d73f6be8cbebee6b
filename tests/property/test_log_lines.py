"""The fast event-line decoder reads a line exactly as the reference decoder does.

``import events`` tries ``fast_decode_event`` first and falls back to
``decode_event`` when it returns None. So the fast path may only change speed:
for any line (canonical or not, valid or not) it either declines, or returns
the fields, the hashed payload bytes and the parsed payload that the
reference decoder gives.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ticketing.store.log_lines import LoadedEvent, fast_decode_event
from ticketing.store.log_reader import _is_aware_timestamp, loaded_event
from ticketing.store.portable import PortableLogError, dump_line

pytestmark = pytest.mark.property
CASES = settings(max_examples=500, deadline=None)

TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"])
) | st.sampled_from(
    ["\x00", "\x1f", "\x7f", "\u2028", "\ufeff", '"', "\\", "/", "é", "😀", ',"state":']
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | TEXT
)
PAYLOADS = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4)
    ),
    max_leaves=12,
)
HASHES = st.text(
    alphabet="0123456789abcdef", min_size=64, max_size=64
) | st.sampled_from(["A" * 64, "0" * 63, ""])
IDS = st.uuids().map(str) | st.sampled_from(
    ["00000000-0000-4000-8000-00000000000A", "{00000000-0000-4000-8000-000000000001}"]
)
TIMES = st.sampled_from(
    [
        "2026-03-02T09:00:00.123456+00:00",
        "2026-03-02T09:00:00+05:30",
        "2026-03-02T09:00:00",
        "not a time",
        "2026-03-02T09:00:00\u066b1+00:00",  # non-ASCII
    ]
)
POSITIVE = st.integers(min_value=1, max_value=2**40) | st.sampled_from([0, -1, True])


@st.composite
def event_values(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "position": draw(POSITIVE),
        "originator_id": draw(IDS),
        "originator_version": draw(POSITIVE),
        "topic": draw(st.sampled_from(["m:Ticket.Opened", ""]) | TEXT),
        "state": draw(PAYLOADS),
        "recorded_at": draw(TIMES),
        "prev_hash": draw(HASHES),
        "hash": draw(HASHES),
    }


def _plain(value: dict[str, Any]) -> bytes:
    return dump_line(value)


def _spaced(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode() + b"\n"


def _ascii(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode() + b"\n"


def _reordered(value: dict[str, Any]) -> bytes:
    return dump_line(dict(reversed(value.items())))


def _duplicate(value: dict[str, Any]) -> bytes:
    line = dump_line(value)
    return line[:1] + b'"topic":"x",' + line[1:]


def _crlf(value: dict[str, Any]) -> bytes:
    return dump_line(value)[:-1] + b"\r\n"


def _no_newline(value: dict[str, Any]) -> bytes:
    return dump_line(value)[:-1]


def _base64(value: dict[str, Any]) -> bytes:
    out = dict(value)
    out.pop("state")
    out["state_base64"] = "e30="
    return dump_line(out)


WRITERS = st.sampled_from(
    [
        *(_plain, _plain, _plain, _spaced, _ascii, _reordered),
        *(_duplicate, _crlf, _no_newline, _base64),
    ]
)


def has_float(value: object) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(has_float(v) for v in value.values())
    if isinstance(value, list):
        return any(has_float(v) for v in value)
    return False


def reference(raw: bytes) -> LoadedEvent | None:
    try:
        return loaded_event(7, raw)
    except PortableLogError:
        return None


def assert_same(fast: LoadedEvent, slow: LoadedEvent | None) -> None:
    assert slow is not None, "the fast path accepted a line the reference refuses"
    parsed = fast.parsed_state
    fast.parsed_state = None
    assert fast == slow
    assert json.loads(slow.state) == parsed


@CASES
@given(value=event_values(), write=WRITERS)
def test_the_fast_decoder_declines_or_agrees(value: dict[str, Any], write: Any) -> None:
    raw = write(value)
    fast = fast_decode_event(raw, _is_aware_timestamp)
    if fast is not None:
        assert_same(fast, reference(raw))


@CASES
@given(value=event_values())
def test_every_canonical_float_free_valid_line_takes_the_fast_path(
    value: dict[str, Any],
) -> None:
    raw = dump_line(value)
    slow = reference(raw)
    fast = fast_decode_event(raw, _is_aware_timestamp)
    if slow is not None and not has_float(value):
        # (floats, whose spelling differs between encoders, are declined)
        assert fast is not None
    if fast is not None:
        assert_same(fast, slow)


def test_an_exported_line_is_read_on_the_fast_path() -> None:
    state = {"timestamp": {"_type_": "datetime_iso", "_data_": "2026-03-02"}, "n": 1}
    value = {
        "position": 3,
        "originator_id": str(uuid.UUID(int=5)),
        "originator_version": 2,
        "topic": "ticketing.aggregates.ticket:Ticket.Routed",
        "state": state,
        "recorded_at": "2026-03-02T09:00:00.000000+00:00",
        "prev_hash": "0" * 64,
        "hash": "f" * 64,
    }

    fast = fast_decode_event(dump_line(value), _is_aware_timestamp)

    assert fast is not None
    assert fast.state == json.dumps(state, separators=(",", ":")).encode()
    assert fast.originator_bytes == uuid.UUID(int=5).bytes
    assert_same(fast, reference(dump_line(value)))

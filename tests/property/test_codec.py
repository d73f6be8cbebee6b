"""The fast transcoder decodes every document exactly as the library's does.

Stored bytes are hashed and exported byte for byte, so the fast path may only
change speed: for any payload the library encodes, and for hand-written JSON
that tries to hide a tag from the byte count (``\\u`` escapes, ``"_type_"``
inside strings, nested or misshapen tags), both decoders give equal values, or
both raise.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from enum import IntEnum, StrEnum
from typing import Any

import pytest
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    UUIDAsHex,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from ticketing.aggregates.envelope import Actor, Envelope, EnvelopeAsDict
from ticketing.store.codec import FastJSONTranscoder

pytestmark = pytest.mark.property
CASES = settings(max_examples=400, deadline=None)


def _registered(transcoder: JSONTranscoder) -> JSONTranscoder:
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), EnvelopeAsDict()):
        transcoder.register(transcoding)
    return transcoder


LIBRARY = _registered(JSONTranscoder())
FAST = _registered(FastJSONTranscoder())

TRICKY_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"])
) | st.sampled_from(
    ['"_type_"', "_type_", '\\"_type_\\"', "\\u005ftype_", "_data_", "\u2028", "\x7f"]
)
KEYS = TRICKY_TEXT | st.sampled_from(["_type_", "_data_", "timestamp", "meta"])
DATETIMES = st.datetimes(
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30))])
)
ENVELOPES = st.builds(
    Envelope,
    actor=st.builds(
        Actor,
        id=st.text(min_size=1, max_size=8),
        role=st.sampled_from(["agent", "system"]),
        kind=st.sampled_from(["human", "rule", "system"]),
    ),
    command_id=st.text(max_size=12),
    correlation_id=st.text(max_size=12),
    causation_id=st.none() | st.text(max_size=12),
    depth=st.integers(0, 5),
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()  # beyond 64 bits too (orjson would turn them into floats)
    | st.floats(allow_nan=False)  # infinities are written as Infinity
    | TRICKY_TEXT
    | DATETIMES
    | st.uuids()
    | st.decimals(allow_nan=False, allow_infinity=False)
    | ENVELOPES
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def event_states(draw: st.DrawFn) -> dict[str, Any]:
    """An event's stored state: domain time and envelope first, then its fields."""
    state: dict[str, Any] = {}
    if draw(st.booleans()):
        state["timestamp"] = draw(DATETIMES)
    if draw(st.booleans()):
        state["meta"] = draw(ENVELOPES | VALUES)
    state.update(draw(st.dictionaries(KEYS, VALUES, max_size=6)))
    return state


def _same(a: Any, b: Any) -> bool:
    """Equal values of equal types (1 == 1.0 == True must not pass)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


class Colour(StrEnum):
    RED = "red"


class Level(IntEnum):
    HIGH = 1


#: What the encoder may meet besides the decoder's values: floats, subclasses
#: of the built-in types, keys that are not strings, lone surrogates.
ENCODER_EXTRAS = (
    st.floats()
    | st.sampled_from([Colour.RED, Level.HIGH, True, False, -0.0, 1e16, 1e-7, "\ud800"])
    | st.text(alphabet=st.characters(), max_size=3)  # surrogates too
    | st.dictionaries(st.integers(-3, 3) | st.none() | st.booleans(), st.integers())
)
ENCODABLE = st.recursive(
    SCALARS | ENCODER_EXTRAS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(KEYS, inner, max_size=4)
    ),
    max_leaves=12,
)


def _encoded(transcoder: JSONTranscoder, value: Any) -> tuple[str, Any]:
    try:
        return "bytes", transcoder.encode(value)
    except Exception as exc:
        return "error", type(exc)


@CASES
@given(state=event_states())
def test_fast_encode_writes_the_library_bytes_for_event_states(
    state: dict[str, Any],
) -> None:
    assert _encoded(FAST, state) == _encoded(LIBRARY, state)


@CASES
@given(value=ENCODABLE)
def test_fast_encode_writes_the_library_bytes_or_raises_its_error(
    value: Any,
) -> None:
    assert _encoded(FAST, value) == _encoded(LIBRARY, value)


def test_a_cycle_is_refused_as_the_library_refuses_it() -> None:
    cycle: list[Any] = []
    cycle.append(cycle)

    assert _encoded(FAST, {"x": cycle}) == _encoded(LIBRARY, {"x": cycle})


def _outcome(transcoder: JSONTranscoder, data: bytes) -> tuple[str, Any]:
    try:
        return "value", transcoder.decode(data)
    except Exception as exc:
        return "error", type(exc)


def _assert_same_outcome(fast: tuple[str, Any], library: tuple[str, Any]) -> None:
    """Both gave equal values, or both raised the same type of error."""
    assert fast[0] == library[0]
    if fast[0] == "value":
        assert _same(fast[1], library[1])
    else:
        assert fast[1] == library[1]


@CASES
@given(state=event_states())
def test_fast_decode_equals_the_library_on_encoded_states(
    state: dict[str, Any],
) -> None:
    data = LIBRARY.encode(state)

    fast = _outcome(FAST, data)

    _assert_same_outcome(fast, _outcome(LIBRARY, data))


@CASES
@given(value=VALUES, wrap=st.booleans())
def test_fast_decode_equals_the_library_on_any_encoded_value(
    value: Any, wrap: bool
) -> None:
    data = LIBRARY.encode({"timestamp": value, "meta": value} if wrap else value)

    _assert_same_outcome(_outcome(FAST, data), _outcome(LIBRARY, data))


TAG_TEXT = st.sampled_from(
    [
        '{"_type_":"datetime_iso","_data_":"2025-01-06T08:00:49+00:00"}',
        '{"\\u005ftype_":"datetime_iso","_data_":"2025-01-06T08:00:49+00:00"}',
        '{"_type_":"uuid_hex","_data_":"a6cecc1b78e510617311d8a3c2ce6f44"}',
        '{"_type_":"nope","_data_":1}',
        '{"_type_":1,"_data_":1}',
        '{"_type_":"decimal_str"}',
        '{"_type_":"datetime_iso","_data_":"2025-01-06","x":1}',
        '{"_type_":"datetime_iso","_data_":"not a date"}',
        '{"_type_":"envelope","_data_":{"actor_id":"a"}}',
        '{"_type_":"decimal_str","_data_":"1.5","_type_":"decimal_str"}',
        '"\\"_type_\\""',
        "NaN",
        "-Infinity",
        "123456789012345678901234567890",
        '"\\ud800"',
        "[]",
        "{}",
        "1e400",
        "18446744073709551616",
        '"\\u0000"',
        '"\udcff"',  # the invalid UTF-8 byte 0xff (see json_documents)
        '"\udced\udca0\udc80"',  # a surrogate encoded in UTF-8: invalid
    ]
)


@st.composite
def json_documents(draw: st.DrawFn) -> bytes:
    """Hand-written JSON (not from the encoder), with tags in awkward places."""
    parts = draw(
        st.lists(
            st.tuples(st.sampled_from(["timestamp", "meta", "x", "_type_"]), TAG_TEXT),
            max_size=4,
        )
    )
    body = ",".join(f'"{key}":{text}' for key, text in parts)
    shape = draw(st.sampled_from(["{%s}", "[{%s}]", '{"x":{%s}}', "{%s"]))
    return (shape % body).encode("utf-8", "surrogateescape")


@CASES
@given(data=json_documents())
def test_fast_decode_matches_the_library_on_hand_written_json(data: bytes) -> None:
    fast = _outcome(FAST, data)

    _assert_same_outcome(fast, _outcome(LIBRARY, data))


def test_a_typical_event_takes_the_fast_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given an event state as the service stores it (domain time, envelope, fields)
    envelope = Envelope(
        actor=Actor(id="bob", role="agent", kind="human"),
        command_id="c1",
        correlation_id="c1",
    )
    state = {
        "timestamp": datetime(2025, 1, 6, 8, 0, tzinfo=UTC),
        "meta": envelope,
        "queue": "desk",
        "tags": ["vip"],
    }
    data = LIBRARY.encode(state)
    expected = LIBRARY.decode(data)

    # when the fast transcoder decodes it, with the library's decoder unavailable
    def refuse(self: JSONTranscoder, data: bytes) -> Any:
        raise AssertionError("library path taken")

    monkeypatch.setattr(JSONTranscoder, "decode", refuse)
    decoded = FAST.decode(data)

    # then it needed no fallback, and the values are the library's
    assert decoded == expected
    assert decoded["meta"] == envelope

"""The light decoder gives every declared field the value the full decoder gives.

``store/lightdecode.py`` decodes only an event class's declared fields, with
one typed parser per class, and may leave the envelope undecoded. Projections
read those attributes, so for any stored document (generated ones, and
hand-written JSON that hides tags, damages them or mistypes them) the light
event must hold, in every declared field it has, the full decoder's value of
the same type, or the light decoder must raise the full decoder's error.
"""

from __future__ import annotations

import dataclasses
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import Mapper
from hypothesis import given
from hypothesis import strategies as st

from tests.property.test_codec import (
    CASES,
    DATETIMES,
    ENVELOPES,
    FAST,
    KEYS,
    VALUES,
    _same,
    event_states,
)
from ticketing.aggregates.ticket import Ticket
from ticketing.store.decoding import EventDecoder
from ticketing.store.lightdecode import LightDecoder

pytestmark = pytest.mark.property

MAPPER: Mapper[Any] = Mapper(transcoder=FAST)
FULL = EventDecoder(MAPPER)
LIGHT = LightDecoder(MAPPER, envelope=True)
NO_ENVELOPE = LightDecoder(MAPPER, envelope=False)
CLASSES = (Ticket.CommentAdded, Ticket.Routed, Ticket.Opened, Ticket.Resolved)
TOPICS: dict[type, str] = {
    cls: f"{cls.__module__}:{cls.__qualname__}" for cls in CLASSES
}
ID = UUID(int=7)


def _declared(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def _outcome(decoder: Any, topic: str, state: bytes) -> Any:
    try:
        return decoder.to_domain_event(topic, ID, 3, state)
    except Exception as exc:
        return exc


def _check(cls: type, state: bytes) -> None:
    topic = TOPICS[cls]
    full = _outcome(FULL, topic, state)
    for decoder, envelope in ((LIGHT, True), (NO_ENVELOPE, False)):
        light = _outcome(decoder, topic, state)
        if isinstance(full, Exception) and not envelope and not hasattr(light, "meta"):
            # the envelope was not decoded, so its damage is not seen here; it
            # is the only difference: with the envelope, the same error
            assert str(_outcome(LIGHT, topic, state)) == str(full)
            continue
        if isinstance(full, Exception):
            assert type(light) is type(full)
            assert str(light) == str(full)
            continue
        assert type(light) is type(full)
        for name in _declared(cls):
            if name == "meta" and not envelope and not hasattr(light, "meta"):
                continue  # not decoded: reading it raises AttributeError
            assert hasattr(light, name) == hasattr(full, name), name
            if hasattr(full, name):
                assert _same(getattr(light, name), getattr(full, name)), name


_SPECIAL = frozenset({"timestamp", "meta", "originator_id", "originator_version"})


@st.composite
def declared_states(draw: st.DrawFn, cls: type) -> dict[str, Any]:
    """A stored state using the class's own field names (plus stray keys)."""
    state: dict[str, Any] = {}
    if draw(st.integers(0, 4)):
        state["timestamp"] = draw(DATETIMES | VALUES)
    if draw(st.booleans()):
        state["meta"] = draw(ENVELOPES | VALUES)
    for name in _declared(cls):
        if name not in _SPECIAL and draw(st.integers(0, 4)):
            state[name] = draw(VALUES)
    state.update(draw(st.dictionaries(KEYS, VALUES, max_size=2)))
    return state


@CASES
@given(cls=st.sampled_from(CLASSES), data=st.data())
def test_declared_fields_equal_the_full_decoders(cls: type, data: Any) -> None:
    _check(cls, FAST.encode(data.draw(declared_states(cls))))


@CASES
@given(cls=st.sampled_from(CLASSES), state=event_states())
def test_arbitrary_documents_decode_alike(cls: type, state: dict[str, Any]) -> None:
    _check(cls, FAST.encode(state))


STAMP = b'{"_type_":"datetime_iso","_data_":"2025-01-06T08:00:49+00:00"}'
META = (
    b'{"_type_":"envelope","_data_":{"actor_id":"bob","actor_role":"agent",'
    b'"actor_kind":"human","command_id":"c","correlation_id":"c"}}'
)


@pytest.mark.parametrize(
    "document",
    [
        b'{"timestamp":' + STAMP + b',"meta":' + META + b',"queue":"q","group":null}',
        # a tag hidden behind an escape, inside a field
        b'{"timestamp":' + STAMP + b',"meta":' + META + b',"queue":'
        b'{"\\u005ftype_":"datetime_iso","_data_":"2025-01-06T08:00:00+00:00"}}',
        # a real tag inside a field: the library decodes it, so must we
        b'{"timestamp":' + STAMP + b',"meta":' + META + b',"queue":' + STAMP + b"}",
        # a tag with a third key is not a tag for the library
        b'{"timestamp":{"_type_":"datetime_iso","_data_":"2025-01-06T08:00:00",'
        b'"x":1},"meta":' + META + b"}",
        # an unknown tag name, in the timestamp and in the envelope
        b'{"timestamp":{"_type_":"nope","_data_":1},"meta":' + META + b"}",
        b'{"timestamp":' + STAMP + b',"meta":{"_type_":"nope","_data_":{}}}',
        # a damaged timestamp, an untagged one, a null one
        b'{"timestamp":{"_type_":"datetime_iso","_data_":"yesterday"}}',
        b'{"timestamp":"2025-01-06T08:00:00+00:00","meta":' + META + b"}",
        b'{"timestamp":null,"meta":' + META + b"}",
        # a damaged envelope: an error for readers of the envelope
        b'{"timestamp":' + STAMP + b',"meta":{"_type_":"envelope","_data_":{}}}',
        # duplicate keys, broken JSON, not an object
        b'{"timestamp":' + STAMP + b',"queue":"a","queue":"b"}',
        b'{"timestamp":',
        b"[1, 2]",
        b"{}",
    ],
)
def test_hand_written_documents_decode_alike(document: bytes) -> None:
    _check(Ticket.Routed, document)


def test_without_the_envelope_meta_is_absent_not_wrong() -> None:
    # given a stored Routed event
    state = b'{"timestamp":' + STAMP + b',"meta":' + META + b',"queue":"q","group":"g"}'

    # when it is decoded without its envelope
    event = NO_ENVELOPE.to_domain_event(TOPICS[Ticket.Routed], ID, 2, state)

    # then the fields are there, and reading the envelope fails loudly
    assert isinstance(event, Ticket.Routed)
    assert (event.queue, event.group, event.originator_version) == ("q", "g", 2)
    assert event.originator_id == ID
    with pytest.raises(AttributeError):
        _ = event.meta

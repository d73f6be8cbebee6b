"""Stored event -> event object with only its class's declared fields, fast.

A rebuild decodes every event of the log, and decoding costs as much as a
projection's own work. ``EventDecoder`` (decoding.py) builds the event exactly
as the library's mapper does: a generic parse of the whole JSON document, then
the tagged values. This decoder instead uses one typed ``msgspec`` decoder per
event class: it reads only the class's declared dataclass fields (a stored key
the class does not declare is not kept), and it can leave the envelope
(``meta``) undecoded for readers that never look at it. The object it returns
is an instance of the event class (``isinstance`` and ``match`` work as usual)
whose declared attributes hold the values the full decoder gives:

* untagged fields are parsed as ``Any``: the same JSON values, by the same
  parser, as the generic path;
* the tagged fields ``timestamp`` and ``meta`` go through the transcoder's own
  transcodings (the library's ``datetime_iso``, our ``envelope``);
* with ``envelope=False``, ``meta``'s tag name is checked but its content is
  not decoded and the object has no ``meta`` attribute (reading it raises
  ``AttributeError``: a projection that says it does not read the envelope and
  does is stopped, not fed a wrong value).

Anything else goes to the full decoder, which then returns the full event or
raises its error: a class that is not a plain dataclass or not at version 1, a
cipher or compressor, any tagged value besides ``timestamp`` and ``meta`` (the
count of ``"_type_"`` keys must match the tags decoded; a ``\\u`` escape, which
could spell a hidden tag key, also sends the document there), an unknown tag,
a ``meta`` or ``timestamp`` that is not a tagged object, or anything the typed
decoder refuses. ``tests/property/test_lightdecode.py`` compares both on
generated events and adversarial documents.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Final, TypedDict, cast

import msgspec
from eventsourcing.persistence import find_id_convertor
from eventsourcing.utils import resolve_topic

from ticketing.store.decoding import EventDecoder

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable
    from uuid import UUID

    from eventsourcing.persistence import Mapper, Transcoding

__all__ = ["LightDecoder"]

_TAG: Final = b'"_type_"'
_ESCAPE: Final = b"\\u"
#: Set from the stored row, never from the document.
_FROM_ROW: Final = frozenset({"originator_id", "originator_version"})
_new = object.__new__
_set = object.__setattr__


class _Tagged(msgspec.Struct, forbid_unknown_fields=True):
    """A tagged value as the library reads it: exactly ``_type_`` and ``_data_``."""

    name: str = msgspec.field(name="_type_")
    data: Any = msgspec.field(name="_data_")


class _TagOnly(msgspec.Struct, forbid_unknown_fields=True):
    """A tagged value whose content is skipped (its JSON checked, not built)."""

    name: str = msgspec.field(name="_type_")
    data: msgspec.Raw = msgspec.field(name="_data_")


class _Plan:
    """How one event class is decoded."""

    __slots__ = ("cls", "decode", "envelope")

    def __init__(self, cls: type, *, envelope: bool) -> None:
        names = [f.name for f in dataclasses.fields(cls) if f.name not in _FROM_ROW]
        spec: dict[str, Any] = dict.fromkeys(names, Any)
        if "timestamp" in spec:
            spec["timestamp"] = _Tagged
        if "meta" in spec:
            spec["meta"] = _Tagged if envelope else _TagOnly
        shape = TypedDict(f"{cls.__name__}Fields", spec, total=False)  # type: ignore[misc]
        self.cls = cls
        decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(shape)
        self.decode: Callable[[bytes], dict[str, Any]] = decoder.decode
        self.envelope = envelope


class LightDecoder:
    """Decodes rows of one mapper's log into events holding their declared fields."""

    def __init__(self, mapper: Mapper[Any], *, envelope: bool = True) -> None:
        self.full = EventDecoder(mapper)
        self.envelope = envelope
        names = getattr(mapper.transcoder, "names", None)
        #: the transcoder's own registry of tags (live: later registrations count)
        self._names: dict[str, Transcoding] = names if isinstance(names, dict) else {}
        self._plain = (
            isinstance(names, dict)
            and mapper.cipher is None
            and mapper.compressor is None
        )
        #: topic -> plan, or None where the full decoder must decode
        self._plans: dict[str, _Plan | None] = {}
        self._convertors: dict[tuple[type, type], Callable[[Any], Any]] = {}

    def to_domain_event(
        self, topic: str, originator_id: UUID | str, version: int, state: bytes
    ) -> Any:
        """The event stored as ``state`` under ``topic`` (declared fields only)."""
        try:
            plan = self._plans[topic]
        except KeyError:
            plan = self._learn(topic)
        if plan is not None:
            event = self._fast(plan, originator_id, version, state)
            if event is not None:
                return event
        return self.full.to_domain_event(topic, originator_id, version, state)

    def _fast(
        self, plan: _Plan, originator_id: UUID | str, version: int, state: bytes
    ) -> Any:
        """The event, or None where the full decoder must decide."""
        if _ESCAPE in state:
            return None
        try:
            values = plan.decode(state)
            tags = self._untag(values, envelope=plan.envelope)
        except Exception:
            return None
        if state.count(_TAG) != tags:
            return None
        cls = plan.cls
        key = (cls, type(originator_id))
        try:
            convert = self._convertors[key]
        except KeyError:
            convert = find_id_convertor(cls, cast("Hashable", key[1]))
            self._convertors[key] = convert
        values["originator_id"] = convert(originator_id)
        values["originator_version"] = version
        event: Any = _new(cls)
        _set(event, "__dict__", values)
        return event

    def _untag(self, values: dict[str, Any], *, envelope: bool) -> int:
        """Decode the tagged values in place and count them; raises where the
        full decoder must decide (an unknown tag, a value it refuses)."""
        tags = 0
        stamp = values.get("timestamp")
        if stamp is not None:
            values["timestamp"] = self._names[stamp.name].decode(stamp.data)
            tags += 1
        meta = values.get("meta")
        if meta is not None:
            transcoding = self._names[meta.name]
            if envelope:
                values["meta"] = transcoding.decode(meta.data)
            else:
                del values["meta"]
            tags += 1
        return tags

    def _learn(self, topic: str) -> _Plan | None:
        """The plan for ``topic`` if the fast path covers it (None: full decoder)."""
        try:
            cls = resolve_topic(topic)
        except Exception:
            return None  # not cached: a later import may make it known
        plan: _Plan | None = None
        if (
            self._plain
            and isinstance(cls, type)
            and dataclasses.is_dataclass(cls)
            and getattr(cls, "class_version", 1) == 1
        ):
            try:
                plan = _Plan(cls, envelope=self.envelope)
            except Exception:  # a field type msgspec cannot describe: not ours
                plan = None
        self._plans[topic] = plan
        return plan

"""Stored event -> domain event, exactly as the library's mapper does it, faster.

``Mapper.to_domain_event`` resolves the topic, looks up the id convertor and
the class version for every event, and takes a ``StoredEvent``. A rebuild
decodes millions of events of a dozen classes, so this decoder keeps those
lookups per topic and takes the row's values directly. Whatever the fast path
does not cover (a cipher or compressor, a class version above 1, a stored
``class_version``, any error) goes to the library's mapper, which then gives
the same event or raises the same error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from eventsourcing.persistence import StoredEvent, find_id_convertor
from eventsourcing.utils import resolve_topic

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable
    from uuid import UUID

    from eventsourcing.persistence import Mapper

_new = object.__new__
_set = object.__setattr__


class EventDecoder:
    """Decodes rows of one mapper's log; per-topic lookups are kept."""

    def __init__(self, mapper: Mapper[Any]) -> None:
        self.mapper = mapper
        self._decode_state = mapper.transcoder.decode
        self._plain = mapper.cipher is None and mapper.compressor is None
        #: topic -> event class, or None where the library must decode
        self._classes: dict[str, type | None] = {}
        self._convertors: dict[tuple[type, type], Callable[[Any], Any]] = {}

    def to_domain_event(
        self, topic: str, originator_id: UUID | str, version: int, state: bytes
    ) -> Any:
        """The domain event stored as ``state`` under ``topic``."""
        cls = self.event_class(topic)
        if cls is not None:
            try:
                event_state = self._decode_state(state)
            except Exception:
                event_state = None
            if type(event_state) is dict and "class_version" not in event_state:
                key = (cls, type(originator_id))
                try:
                    convert = self._convertors[key]
                except KeyError:
                    convert = find_id_convertor(cls, cast("Hashable", key[1]))
                    self._convertors[key] = convert
                event_state["originator_id"] = convert(originator_id)
                event_state["originator_version"] = version
                event: Any = _new(cls)
                _set(event, "__dict__", event_state)
                return event
        return self.library_decode(topic, originator_id, version, state)

    def library_decode(
        self, topic: str, originator_id: UUID | str, version: int, state: bytes
    ) -> Any:
        """The event as the library's mapper decodes it (or its error)."""
        return self.mapper.to_domain_event(
            StoredEvent(
                originator_id=originator_id,
                originator_version=version,
                topic=topic,
                state=state,
            )
        )

    def event_class(self, topic: str) -> type | None:
        """The class for ``topic`` if the fast path covers it (None: the library's)."""
        try:
            return self._classes[topic]
        except KeyError:
            return self._learn(topic)

    def _learn(self, topic: str) -> type | None:
        """The class for ``topic`` if the fast path covers it (None: the library's)."""
        cls: type | None
        try:
            cls = resolve_topic(topic)
        except Exception:
            return None  # not cached: a later import may make it known
        if not self._plain or getattr(cls, "class_version", 1) != 1:
            cls = None
        self._classes[topic] = cls
        return cls

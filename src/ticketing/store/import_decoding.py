"""Domain events of imported lines, decoded from the payload the line parse made.

``import events`` must prove that every event decodes with the current event
classes, as the application's mapper would decode it. The fast line reader
(``log_lines``) has already parsed each payload, so this decoder does what
``decoding.EventDecoder`` does (per-topic lookups kept, the event built the
way the library builds it) without parsing the payload a second time: the
transcoder's ``decode_parsed`` converts the tagged values (domain time,
envelope) of the parsed payload. Whatever that does not cover (no parsed
payload, a cipher or compressor, a class version above 1, a stored
``class_version``, any error) goes to the library's mapper, which then gives
the same event or raises the same error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import find_id_convertor

from ticketing.store.codec import FastJSONTranscoder
from ticketing.store.decoding import EventDecoder

if TYPE_CHECKING:
    from eventsourcing.persistence import Mapper

_new = object.__new__
_set = object.__setattr__


class ParsedEventDecoder:
    """Decodes imported events of one mapper's log; per-topic lookups are kept."""

    def __init__(self, mapper: Mapper[Any]) -> None:
        self.mapper = mapper
        #: the shared per-topic class table and the library's decoding
        self.library = EventDecoder(mapper)
        transcoder = mapper.transcoder
        plain = mapper.cipher is None and mapper.compressor is None
        self._transcoder = (
            transcoder if plain and isinstance(transcoder, FastJSONTranscoder) else None
        )
        #: topic -> event class, or None where the library must decode
        self._classes: dict[str, type | None] = {}

    def to_domain_event(
        self,
        topic: str,
        originator_id: UUID,
        version: int,
        state: bytes,
        parsed: Any,
    ) -> Any:
        """The domain event stored as ``state``; ``parsed`` is ``state`` as
        ``msgspec`` parses it, or None (then the library decodes)."""
        cls = self._class(topic) if parsed is not None else None
        if cls is not None and self._transcoder is not None:
            try:
                event_state = self._transcoder.decode_parsed(state, parsed)
            except Exception:
                event_state = None
            if type(event_state) is dict and "class_version" not in event_state:
                event_state["originator_id"] = originator_id
                event_state["originator_version"] = version
                event: Any = _new(cls)
                _set(event, "__dict__", event_state)
                return event
        return self.library.library_decode(topic, originator_id, version, state)

    def _class(self, topic: str) -> type | None:
        """The class for ``topic`` if the fast path covers it (None: the library's)."""
        try:
            return self._classes[topic]
        except KeyError:
            pass
        cls = self.library.event_class(topic)
        if cls is None:
            return None  # the library decodes (its class table caches why)
        try:
            # for a UUID id the library's convertor passes it through
            # (or raises, which the library's mapper then reports)
            find_id_convertor(cls, UUID)
        except Exception:
            cls = None
        self._classes[topic] = cls
        return cls

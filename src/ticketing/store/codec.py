"""The event transcoder: the library's JSON format, decoded (and encoded) faster.

Stored event bytes are hashed into the log's chain and exported byte for byte,
so the *format* is fixed: the library's ``JSONTranscoder`` (compact separators,
UTF-8, non-JSON types as ``{"_type_": name, "_data_": ...}``). This subclass
keeps that format and only changes how it gets there:

* **decode**: ``msgspec`` parses (about 3x faster than the stdlib scanner with
  a Python ``object_hook`` per object; unlike ``orjson`` it keeps integers
  beyond 64 bits exact), then the tagged objects an event normally has
  (``timestamp`` and the envelope in ``meta``) are converted by the same
  transcodings. If the bytes hold any other tagged object, anything
  ``msgspec`` refuses (NaN, Infinity, lone surrogates) or a ``\\u`` escape
  (which could spell a tag key the byte count below cannot see), the
  library's own decoder does the whole document: same result, or same error.

* **encode**: the value is first turned into plain JSON values (the library's
  transcodings applied to exactly the objects its encoder would hand them),
  then ``msgspec`` writes it: same separators, same escapes, UTF-8 unescaped,
  as ``json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)``. Floats
  (whose text the stdlib writes with ``repr``), subclasses of the built-in
  types, non-string keys and anything unregistered go to the library's
  encoder instead, which then writes the same bytes as before or raises
  the same error.

The tag count is a byte search for ``"_type_"``. It can only overcount (the
text ``"_type_`` inside a string), which merely sends the document to the
library; it cannot undercount, because every ``_type_`` key is written
literally unless it uses a ``\\u`` escape, and those are sent to the library
first. ``tests/property/test_codec.py`` checks both directions against the
library, byte for byte and value for value, on generated payloads.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec
from eventsourcing.persistence import JSONTranscoder

#: The keys whose values are tagged in every event: domain time and envelope.
_TAGGED_KEYS: Final = ("timestamp", "meta")
_TAG: Final = b'"_type_"'
_ESCAPE: Final = b"\\u"
_parse: Final = msgspec.json.Decoder().decode
_write: Final = msgspec.json.Encoder().encode
#: Written as they are by both encoders (exact types only: no subclasses).
_SCALARS: Final = frozenset({str, int, bool, type(None)})
#: Types (and their subclasses) the stdlib encoder writes without a transcoding.
_NATIVE: Final = (str, int, float, list, tuple, dict)


#: Returned by the fast decoder where the library's decoder must decide.
_LIBRARY: Final = object()


class _Unsupported(Exception):  # noqa: N818 - an internal signal, not an error
    """A value the fast encoder leaves to the library's encoder."""


class FastJSONTranscoder(JSONTranscoder):
    """``JSONTranscoder`` with the same bytes and values, parsed by ``msgspec``."""

    def encode(self, obj: Any) -> bytes:
        try:
            plain = self._plain(obj)
        except _Unsupported:
            return super().encode(obj)
        except RecursionError:  # a cycle: the library reports it as such
            return super().encode(obj)
        try:
            return _write(plain)
        except Exception:
            return super().encode(obj)

    def _plain(self, value: Any) -> Any:
        """``value`` as plain JSON values, tagged where the library tags."""
        kind = type(value)
        if kind in _SCALARS:
            return value
        if kind is dict:
            out = {}
            for key, item in value.items():
                if type(key) is not str:
                    raise _Unsupported
                out[key] = item if type(item) in _SCALARS else self._plain(item)
            return out
        if kind is list or kind is tuple:
            return [
                item if type(item) in _SCALARS else self._plain(item) for item in value
            ]
        transcoding = self.types.get(kind)
        if transcoding is None or issubclass(kind, _NATIVE):
            raise _Unsupported
        return {
            "_type_": transcoding.name,
            "_data_": self._plain(transcoding.encode(value)),
        }

    def decode(self, data: bytes) -> Any:
        value = self._fast_decode(data)
        return super().decode(data) if value is _LIBRARY else value

    def decode_parsed(self, data: bytes, parsed: Any) -> Any:
        """``decode(data)`` where ``parsed`` is ``data`` as ``msgspec`` parses
        it, already done by the caller (``import events`` parses whole lines).
        ``parsed`` may be changed in place."""
        tags = data.count(_TAG)
        if tags > len(_TAGGED_KEYS) or _ESCAPE in data:
            return super().decode(data)
        value = parsed if tags == 0 else self._untag(parsed, tags)
        return super().decode(data) if value is _LIBRARY else value

    def _fast_decode(self, data: bytes) -> Any:
        """The decoded value, or ``_LIBRARY`` where the library must decode."""
        tags = data.count(_TAG)
        if tags > len(_TAGGED_KEYS) or _ESCAPE in data:
            return _LIBRARY
        try:
            value = _parse(data)
        except Exception:
            return _LIBRARY
        if tags == 0:
            return value
        return self._untag(value, tags)

    def _untag(self, value: Any, tags: int) -> Any:
        """Convert the ``tags`` tagged values, if they are the usual ones."""
        if type(value) is not dict:
            return _LIBRARY
        found: list[tuple[str, Any, Any]] = []
        for key in _TAGGED_KEYS:
            tagged = value.get(key)
            if (
                type(tagged) is dict
                and len(tagged) == 2
                and "_data_" in tagged
                and type(name := tagged.get("_type_")) is str
                and (transcoding := self.names.get(name)) is not None
            ):
                found.append((key, transcoding, tagged["_data_"]))
        if len(found) != tags:
            return _LIBRARY
        try:
            for key, transcoding, payload in found:
                value[key] = transcoding.decode(payload)
        except Exception:
            # a damaged tagged value: the library reports it exactly as before
            # (which one first, and how, depends on its document order)
            return _LIBRARY
        return value

"""Event lines of a portable log, decoded in one ``msgspec`` pass when that is exact.

``log_reader.decode_event`` is the reference: the stdlib parser (refusing NaN
and duplicate keys), every field checked, then the payload re-encoded
canonically (``json.dumps(..., ensure_ascii=False, separators=(",", ":"))``)
to recover the hashed bytes. That costs two JSON passes over the payload per
event, the bulk of ``import events``.

``fast_decode_event`` handles the lines ``ticketing export`` writes and
returns None for anything else, which then goes to the reference decoder (that
either reads it the same way or raises the error naming the line). It takes a
line only when

* ``msgspec`` parses it to an object holding no float (a float's text may
  differ between encoders: ``1e16`` vs ``1e+16``), and
* ``msgspec`` writes that object back as exactly the line's bytes: so the line
  is canonical (a duplicate key, whitespace, an escape written another way or
  keys in another order would all come out different), its keys are the
  format's in the format's order, and the payload's bytes are the slice of the
  line between ``"state":`` and ``,"recorded_at":``. For a float-free value,
  ``msgspec`` writes the same bytes as the stdlib encoder above (same escapes,
  UTF-8 unescaped; checked in ``tests/property/test_codec.py``), so the slice
  is exactly what the reference decoder would have re-encoded,

and every field passes the reference decoder's checks. The parsed payload is
handed on (``parsed_state``) so that decoding the domain event does not parse
it again. ``tests/property/test_log_lines.py`` checks, on generated lines,
that whatever this decoder accepts the reference decoder reads identically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

import msgspec

from ticketing.store.portable import HASH_PATTERN

#: The keys of an event line with an embedded payload, in the format's order.
LINE_KEYS: Final = (
    "position",
    "originator_id",
    "originator_version",
    "topic",
    "state",
    "recorded_at",
    "prev_hash",
    "hash",
)
UUID_PATTERN: Final = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)
_STATE_KEY: Final = b',"state":'
_AFTER_STATE: Final = b',"recorded_at":'


class _FloatSeen(Exception):  # noqa: N818 - an internal signal, not an error
    """A float in the line: left to the reference decoder."""


def _refuse_float(_text: str) -> Any:
    raise _FloatSeen


_parse: Final = msgspec.json.Decoder(float_hook=_refuse_float).decode
_write: Final = msgspec.json.Encoder().encode


@dataclass(slots=True)
class LoadedEvent:
    """One verified-format event line, as the import stores it."""

    position: int
    #: canonical text form (lowercase, hyphenated) and the 16 bytes
    originator_id: str
    originator_bytes: bytes
    originator_version: int
    topic: str
    state: bytes
    recorded_at: str
    prev_hash: str
    hash: str
    #: the payload as parsed JSON (no float), when the fast decoder read it
    parsed_state: Any = None


def fast_decode_event(raw: bytes, is_aware: Any) -> LoadedEvent | None:
    """The event of a canonical line, or None: let the reference decoder decide.

    ``is_aware(text) -> bool`` is the reference decoder's check of
    ``recorded_at``.
    """
    body = raw[:-1] if raw.endswith(b"\n") else raw
    try:
        value = _parse(body)
    except Exception:  # not UTF-8, not JSON, a float...: the reference decides
        return None
    if type(value) is not dict or tuple(value) != LINE_KEYS or _write(value) != body:
        return None
    position, oid, version, topic, state, recorded_at, prev_hash, digest = (
        value.values()
    )
    if not (
        type(position) is int
        and position >= 1
        and type(version) is int
        and version >= 1
        and type(oid) is str
        and UUID_PATTERN.fullmatch(oid)
        and type(topic) is str
        and topic
        and type(recorded_at) is str
        and type(prev_hash) is str
        and HASH_PATTERN.fullmatch(prev_hash)
        and type(digest) is str
        and HASH_PATTERN.fullmatch(digest)
        and is_aware(recorded_at)
    ):
        return None
    start = body.find(_STATE_KEY) + len(_STATE_KEY)
    end = body.rfind(_AFTER_STATE)
    return LoadedEvent(
        position,
        oid,
        bytes.fromhex(oid.replace("-", "")),
        version,
        topic,
        body[start:end],
        recorded_at,
        prev_hash,
        digest,
        state,
    )

"""The JSON text of SLA rows: what ``json.dumps`` writes, made faster.

Rows keep JSON written as ``json.dumps(data, separators=(",", ":"))`` (with
``sort_keys`` for maps): ASCII only, non-ASCII and control characters escaped.
msgspec encodes the same data several times faster and, for the data these
rows hold (strings, integers, booleans, None, lists and maps with string keys;
no floats), writes the same text whenever no string needs escaping. So its
output is kept when it is ASCII without a backslash or DEL (then nothing was
escaped) and otherwise the data is encoded again by ``json``: the text never
depends on which encoder ran.
"""

from __future__ import annotations

import json
from typing import Any, Final

import msgspec

#: JSON columns are written without spaces (smaller rows, same content).
COMPACT: Final = (",", ":")

_fast = msgspec.json.Encoder().encode
_fast_sorted = msgspec.json.Encoder(order="sorted").encode
# ``json.dumps`` with options builds a new encoder on every call: built once.
_exact = json.JSONEncoder(separators=COMPACT).encode
_exact_sorted = json.JSONEncoder(sort_keys=True, separators=COMPACT).encode


def _plain(text: bytes) -> bool:
    """True when the encoder escaped nothing (so both encoders agree)."""
    return text.isascii() and b"\\" not in text and b"\x7f" not in text


def compact_json(data: Any) -> str:
    """``json.dumps(data, separators=COMPACT)`` for float-free data."""
    text = _fast(data)
    return text.decode() if _plain(text) else _exact(data)


def sorted_json(data: Any) -> str:
    """``json.dumps(data, sort_keys=True, separators=COMPACT)`` for float-free
    data with string keys."""
    text = _fast_sorted(data)
    return text.decode() if _plain(text) else _exact_sorted(data)

"""The hash chain that makes the event log tamper-evident.

Each stored event carries ``prev_hash`` (its predecessor's ``hash``) and its own
``hash`` = SHA-256 over the predecessor's hash and the event's canonical bytes.
The exact byte layout is specified in docs/event-log.md so that anyone can
re-verify an exported log without this code.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from uuid import UUID

#: The ``prev_hash`` of the first event of a log.
GENESIS_HASH: Final = "0" * 64


def _framed(part: bytes) -> bytes:
    return len(part).to_bytes(8, "big") + part


def event_hash(  # noqa: PLR0917 - the hashed fields, in their documented order
    prev_hash: str,
    position: int,
    originator_id: UUID,
    originator_version: int,
    topic: str,
    state: bytes,
    recorded_at: str,
) -> str:
    """SHA-256 (hex) of one event chained to its predecessor."""
    digest = hashlib.sha256()
    digest.update(bytes.fromhex(prev_hash))
    digest.update(position.to_bytes(8, "big"))
    digest.update(originator_id.bytes)
    digest.update(originator_version.to_bytes(8, "big"))
    digest.update(_framed(topic.encode("utf-8")))
    digest.update(_framed(state))
    digest.update(_framed(recorded_at.encode("ascii")))
    return digest.hexdigest()

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
    return event_hash_of_bytes(
        prev_hash,
        position,
        originator_id.bytes,
        originator_version,
        topic,
        state,
        recorded_at,
    )


def event_hash_of_bytes(  # noqa: PLR0917 - the hashed fields, in their documented order
    prev_hash: str,
    position: int,
    originator_id: bytes,
    originator_version: int,
    topic: str,
    state: bytes,
    recorded_at: str,
) -> str:
    """``event_hash`` with the aggregate id given as its 16 bytes (bulk import)."""
    topic_bytes = topic.encode("utf-8")
    recorded = recorded_at.encode("ascii")
    # one buffer, one hash call: the same bytes as feeding the parts in turn
    return hashlib.sha256(
        b"".join(
            (
                bytes.fromhex(prev_hash),
                position.to_bytes(8, "big"),
                originator_id,
                originator_version.to_bytes(8, "big"),
                len(topic_bytes).to_bytes(8, "big"),
                topic_bytes,
                len(state).to_bytes(8, "big"),
                state,
                len(recorded).to_bytes(8, "big"),
                recorded,
            )
        )
    ).hexdigest()

"""The event log table: the library's columns plus store time and the hash chain."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing_sqlalchemy.models import (  # type: ignore[attr-defined]
    StoredEventRecord,
)
from sqlalchemy import Column, String, Text


class ChainedEventRecord(StoredEventRecord):  # type: ignore[misc]
    """``{app}_events`` with ``recorded_at`` (store time) and the hash chain."""

    __abstract__ = True
    __table_args__ = StoredEventRecord.__table_args__

    #: Store time, ISO 8601 UTC with microseconds (exact, portable, hashable).
    recorded_at = Column(Text(), nullable=False)
    prev_hash = Column(String(64), nullable=False)
    hash = Column(String(64), nullable=False)


@dataclass(frozen=True)
class LogRecord(Notification):
    """One row of the log: a notification plus store time and chain hashes."""

    recorded_at: str
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class NewRecord:
    """A row about to be appended (positions and hashes are assigned on insert)."""

    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


def as_new_record(stored: StoredEvent) -> NewRecord:
    oid = stored.originator_id
    return NewRecord(
        originator_id=oid if type(oid) is UUID else UUID(str(oid)),
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=stored.state,
    )

"""Application recorder on SQLAlchemy Core, with store time and the hash chain.

Appends take the log's write lock first (PostgreSQL: ``LOCK TABLE ... IN
EXCLUSIVE MODE``; SQLite: ``BEGIN IMMEDIATE``), then read the head (last
position and hash), assign the next positions and chain hashes, and insert, all
in the caller's transaction. Because the lock is held until commit, commit
order equals position order: a reader that has seen position N will never
later see an event commit below N. See docs/event-log.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Final
from uuid import UUID

from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing_sqlalchemy.recorders import SQLAlchemyApplicationRecorder
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Engine

from ticketing.clock import Clock, SystemClock
from ticketing.store.chain import GENESIS_HASH, event_hash
from ticketing.store.records import LogRecord, NewRecord, as_new_record

if TYPE_CHECKING:
    from sqlalchemy import Row, Table
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

#: Called inside the append transaction with the new positions.
AfterInsert = Callable[["Connection", list[int]], None]

PG_LOCK_TIMEOUT: Final = "30s"


def format_recorded_at(clock: Clock) -> str:
    return clock.now().isoformat(timespec="microseconds")


class TicketingRecorder(SQLAlchemyApplicationRecorder):
    """The ``{app}_events`` recorder used by every ticketing process."""

    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.table: Table = self.events_record_cls.__table__
        self.wall_clock: Clock = SystemClock()

    @property
    def engine(self) -> Engine:
        engine = self.datastore.engine
        if not isinstance(engine, Engine):  # pragma: no cover - built from a URL
            msg = "the ticketing recorder needs an Engine built from a URL"
            raise TypeError(msg)
        return engine

    @property
    def dialect(self) -> str:
        return str(self.engine.dialect.name)

    # -- append ------------------------------------------------------------

    def _insert_stored_events(
        self, session: Session, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> list[int]:
        conn = session.connection()
        self.lock_for_append(conn)
        head = self.read_head(conn)
        position, prev = head if head else (0, GENESIS_HASH)
        recorded_at = format_recorded_at(self.wall_clock)
        rows: list[dict[str, Any]] = []
        for stored in stored_events:
            record = as_new_record(stored)
            position += 1
            digest = self.chain_hash(prev, position, record, recorded_at)
            rows.append(
                {
                    "id": position,
                    "originator_id": record.originator_id,
                    "originator_version": record.originator_version,
                    "topic": record.topic,
                    "state": record.state,
                    "recorded_at": recorded_at,
                    "prev_hash": prev,
                    "hash": digest,
                }
            )
            prev = digest
        if rows:
            conn.execute(insert(self.table), rows)
            self.notify_appended(conn)
        positions = [r["id"] for r in rows]
        after_insert: AfterInsert | None = kwargs.get("after_insert")
        if after_insert is not None:
            after_insert(conn, positions)
        return positions

    def chain_hash(
        self, prev: str, position: int, record: NewRecord, recorded_at: str
    ) -> str:
        """The hash of a new row chained to ``prev`` (benchmarks override it)."""
        return event_hash(
            prev,
            position,
            record.originator_id,
            record.originator_version,
            record.topic,
            record.state,
            recorded_at,
        )

    def lock_for_append(self, conn: Connection) -> None:
        """Serialise appenders until commit (SQLite: BEGIN IMMEDIATE already did)."""
        if self.dialect == "postgresql":
            conn.execute(text(f"SET LOCAL lock_timeout = '{PG_LOCK_TIMEOUT}'"))
            conn.execute(text(f"LOCK TABLE {self._qualified_name} IN EXCLUSIVE MODE"))

    def notify_appended(self, conn: Connection) -> None:
        """PostgreSQL: wake LISTENing runners at commit (never used for delivery)."""
        if self.dialect == "postgresql":
            conn.execute(text(f"NOTIFY {self.channel_name}"))

    def read_head(self, conn: Connection) -> tuple[int, str] | None:
        """Last position and its chain hash, or None for an empty log."""
        t = self.table
        row = conn.execute(
            select(t.c.id, t.c.hash).order_by(t.c.id.desc()).limit(1)
        ).first()
        return (int(row[0]), str(row[1])) if row else None

    @property
    def _qualified_name(self) -> str:
        if self.schema_name:
            return f"{self.schema_name}.{self.events_table_name}"
        return str(self.events_table_name)

    # -- read ----------------------------------------------------------------

    def select_events(
        self,
        originator_id: UUID | str,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> list[StoredEvent]:
        t = self.table
        version = t.c.originator_version
        query = select(version, t.c.topic, t.c.state).where(
            t.c.originator_id == _as_uuid(originator_id)
        )
        if gt is not None:
            query = query.where(version > gt)
        if lte is not None:
            query = query.where(version <= lte)
        query = query.order_by(version.desc() if desc else version)
        if limit is not None:
            query = query.limit(limit)
        with self.transaction(commit=False) as session:
            rows = session.connection().execute(query).all()
        return [
            StoredEvent(
                originator_id=originator_id,
                originator_version=row[0],
                topic=row[1],
                state=bytes(row[2]),
            )
            for row in rows
        ]

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> list[Notification]:
        return list(
            self.select_records(
                start, limit, stop, topics, inclusive_of_start=inclusive_of_start
            )
        )

    def select_records(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> list[LogRecord]:
        """Full log rows (with store time and chain hashes) in position order."""
        t = self.table
        query = select(t)
        if start is not None:
            query = query.where(
                t.c.id >= start if inclusive_of_start else t.c.id > start
            )
        if stop is not None:
            query = query.where(t.c.id <= stop)
        if topics:
            query = query.where(t.c.topic.in_(topics))
        query = query.order_by(t.c.id).limit(limit)
        with self.transaction(commit=False) as session:
            rows = session.connection().execute(query).all()
        return [_log_record(row) for row in rows]

    def select_log(
        self, after: int, limit: int, topics: Sequence[str] = ()
    ) -> list[LogRecord]:
        """Up to ``limit`` records with position > ``after``, in position order."""
        return self.select_records(
            after, limit, topics=topics, inclusive_of_start=False
        )

    def select_aggregate_records(self, originator_id: UUID) -> list[LogRecord]:
        """Every log row of one aggregate, in version order."""
        t = self.table
        query = (
            select(t)
            .where(t.c.originator_id == originator_id)
            .order_by(t.c.originator_version)
        )
        with self.transaction(commit=False) as session:
            rows = session.connection().execute(query).all()
        return [_log_record(row) for row in rows]

    def max_notification_id(self) -> int | None:
        with self.transaction(commit=False) as session:
            value = session.connection().execute(select(func.max(self.table.c.id)))
            head = value.scalar()
        return None if head is None else int(head)


def _as_uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def _log_record(row: Row[Any]) -> LogRecord:
    m = row._mapping
    return LogRecord(
        id=int(m["id"]),
        originator_id=m["originator_id"],
        originator_version=int(m["originator_version"]),
        topic=m["topic"],
        state=bytes(m["state"]),
        recorded_at=m["recorded_at"],
        prev_hash=m["prev_hash"],
        hash=m["hash"],
    )

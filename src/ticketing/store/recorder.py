"""Application recorder on SQLAlchemy Core, with store time and the hash chain.

Appends take the log's write lock first (PostgreSQL: ``LOCK TABLE ... IN
EXCLUSIVE MODE``; SQLite: ``BEGIN IMMEDIATE``), then read the head (last
position and hash), assign the next positions and chain hashes, and insert, all
in the caller's transaction. Because the lock is held until commit, commit
order equals position order: a reader that has seen position N will never
later see an event commit below N. See docs/event-log.md.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Final
from uuid import UUID

from eventsourcing_sqlalchemy.recorders import SQLAlchemyApplicationRecorder
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from ticketing.clock import Clock, SystemClock
from ticketing.store.chain import GENESIS_HASH, event_hash
from ticketing.store.records import LogRecord, NewRecord, as_new_record
from ticketing.store.schema import create_tables
from ticketing.store.streams import select_stream

if TYPE_CHECKING:
    from eventsourcing.persistence import Notification, StoredEvent
    from sqlalchemy import Row, Table
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

#: Called inside the append transaction with the new positions.
AfterInsert = Callable[["Connection", list[int]], None]

PG_LOCK_TIMEOUT: Final = "30s"
#: Rows per multi-row INSERT on PostgreSQL (8 parameters each).
PG_PAGE_ROWS: Final = 1000
#: From this many rows on, PostgreSQL appends use COPY (bulk imports).
PG_COPY_MIN_ROWS: Final = 100
_COLUMNS: Final = (
    "id, originator_id, originator_version, topic, state, recorded_at, prev_hash, hash"
)
#: (position, originator_id, version, topic, state, recorded_at, prev_hash, hash)
NewRow = tuple[int, UUID, int, str, bytes, str, str, str]


def format_recorded_at(clock: Clock) -> str:
    return clock.now().isoformat(timespec="microseconds")


class TicketingRecorder(SQLAlchemyApplicationRecorder):
    """The ``{app}_events`` recorder used by every ticketing process."""

    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.table: Table = self.events_record_cls.__table__
        t = self.table
        self._head_query = select(t.c.id, t.c.hash).order_by(t.c.id.desc()).limit(1)
        self._version_query = select(func.max(t.c.originator_version)).where(
            t.c.originator_id == bindparam("originator_id")
        )
        self.wall_clock: Clock = SystemClock()

    def create_table(self) -> None:
        create_tables(self.engine, self.tables)

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
        head = self.lock_and_read_head(conn, notify=bool(stored_events))
        position, prev = head if head else (0, GENESIS_HASH)
        recorded_at = format_recorded_at(self.wall_clock)
        rows: list[NewRow] = []
        for stored in stored_events:
            record = as_new_record(stored)
            position += 1
            digest = self.chain_hash(prev, position, record, recorded_at)
            rows.append(
                (
                    position,
                    record.originator_id,
                    record.originator_version,
                    record.topic,
                    record.state,
                    recorded_at,
                    prev,
                    digest,
                )
            )
            prev = digest
        if rows:
            self._insert_rows(conn, rows)
        positions = [r[0] for r in rows]
        after_insert: AfterInsert | None = kwargs.get("after_insert")
        if after_insert is not None:
            after_insert(conn, positions)
        return positions

    def _insert_rows(self, conn: Connection, rows: list[NewRow]) -> None:
        """Insert through the driver: SQLAlchemy's per-row bind processing costs
        more than everything else in a bulk append (docs/benchmarks.md)."""
        table = self._qualified_name
        if self.dialect == "postgresql" and len(rows) >= PG_COPY_MIN_ROWS:
            self._copy_rows(conn, rows)
            return
        if self.dialect == "postgresql":
            # one multi-row VALUES per page; psycopg2 binds client-side
            for start in range(0, len(rows), PG_PAGE_ROWS):
                page = rows[start : start + PG_PAGE_ROWS]
                values = ",".join(["(%s,%s,%s,%s,%s,%s,%s,%s)"] * len(page))
                params = [
                    v
                    for r in page
                    for v in (r[0], str(r[1]), r[2], r[3], r[4], r[5], r[6], r[7])
                ]
                sql = f"INSERT INTO {table} ({_COLUMNS}) VALUES {values}"  # noqa: S608 - our table, bound values
                conn.exec_driver_sql(sql, tuple(params))
            return
        sql = f"INSERT INTO {table} ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)"  # noqa: S608 - our table, bound values
        conn.exec_driver_sql(sql, [(r[0], r[1].bytes, *r[2:]) for r in rows])

    def _copy_rows(self, conn: Connection, rows: list[NewRow]) -> None:
        """PostgreSQL bulk path: COPY in the caller's transaction. Driver errors
        are raised as SQLAlchemy's, exactly like those of the INSERT path."""
        buffer = io.StringIO()
        for r in rows:
            buffer.write(
                f"{r[0]}\t{r[1]}\t{r[2]}\t{_copy_text(r[3])}\t\\\\x{r[4].hex()}"
                f"\t{_copy_text(r[5])}\t{r[6]}\t{r[7]}\n"
            )
        buffer.seek(0)
        statement = f"COPY {self._qualified_name} ({_COLUMNS}) FROM STDIN"
        dbapi_connection: Any = conn.connection.dbapi_connection
        dbapi: Any = conn.dialect.loaded_dbapi
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.copy_expert(statement, buffer)
        except dbapi.Error as exc:
            raise DBAPIError.instance(statement, None, exc, dbapi.Error) from exc

    def lock_and_read_head(
        self, conn: Connection, *, notify: bool = True
    ) -> tuple[int, str] | None:
        """Take the write lock, queue the wake-up and read the head: on PostgreSQL
        in one round trip (NOTIFY is only delivered if the transaction commits)."""
        if self.dialect != "postgresql":
            return self.read_head(conn)  # BEGIN IMMEDIATE already took the lock
        statements = [
            f"SET LOCAL lock_timeout = '{PG_LOCK_TIMEOUT}'",
            f"LOCK TABLE {self._qualified_name} IN EXCLUSIVE MODE",
            *([f"NOTIFY {self.channel_name}"] if notify else []),
            f"SELECT id, hash FROM {self._qualified_name} ORDER BY id DESC LIMIT 1",  # noqa: S608 - our table
        ]
        row = conn.exec_driver_sql("; ".join(statements)).first()
        return (int(row[0]), str(row[1])) if row else None

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
        row = conn.execute(self._head_query).first()
        return (int(row[0]), str(row[1])) if row else None

    @property
    def qualified_name(self) -> str:
        """The events table's name as SQL refers to it (schema-qualified if set)."""
        return self._qualified_name

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
        with self.transaction(commit=False) as session:
            return select_stream(
                session.connection(), self.table, originator_id, gt, lte, desc, limit
            )

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

    def select_aggregate_chain(
        self, originator_id: UUID
    ) -> list[tuple[LogRecord, str | None]]:
        """Every log row of one aggregate with the chain hash of the row before it.

        One statement in one read transaction, whatever the event count: the
        predecessor's hash (``hash_before`` of each row, None for the log's
        first row) is a correlated subquery on the primary key, so a history
        costs one index probe per event inside the database rather than one
        round trip and transaction per event.
        """
        t = self.table
        before = t.alias("before")
        predecessor = (
            select(before.c.hash)
            .where(before.c.id < t.c.id)
            .order_by(before.c.id.desc())
            .limit(1)
            .scalar_subquery()
            .label("predecessor_hash")
        )
        query = (
            select(t, predecessor)
            .where(t.c.originator_id == originator_id)
            .order_by(t.c.originator_version)
        )
        with self.transaction(commit=False) as session:
            rows = session.connection().execute(query).all()
        return [
            (
                _log_record(row),
                None if row.predecessor_hash is None else str(row.predecessor_hash),
            )
            for row in rows
        ]

    def aggregate_version(self, conn: Connection, originator_id: UUID) -> int | None:
        """The aggregate's last version in the log (None: no such aggregate),
        read in the caller's transaction: one probe of the unique index."""
        value = conn.execute(
            self._version_query, {"originator_id": originator_id}
        ).scalar()
        return None if value is None else int(value)

    def hash_before(self, position: int) -> str | None:
        """The chain hash of the row just before ``position`` (None: first row)."""
        t = self.table
        query = select(t.c.hash).where(t.c.id < position).order_by(t.c.id.desc())
        with self.transaction(commit=False) as session:
            value = session.connection().execute(query.limit(1)).scalar()
        return None if value is None else str(value)

    def max_notification_id(self) -> int | None:
        with self.transaction(commit=False) as session:
            value = session.connection().execute(select(func.max(self.table.c.id)))
            head = value.scalar()
        return None if head is None else int(head)


def _copy_text(value: str) -> str:
    """Escape a value for COPY's text format."""
    return (
        value.replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


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

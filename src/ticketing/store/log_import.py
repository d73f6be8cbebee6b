"""``ticketing import events``: load a portable log into an EMPTY store, all or nothing.

One transaction holds the log's write lock from the emptiness check to the
commit: events go in by batches (executemany), verbatim (positions, store
times, hashes), while the file's chain is verified and the write-side indexes
are rebuilt. Any problem rolls everything back, so a failed import leaves the
store exactly as empty as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import func, insert, inspect, select
from sqlalchemy.exc import DataError, IntegrityError

from ticketing.errors import ConflictError
from ticketing.projections.registry import registry_table
from ticketing.store import indexes
from ticketing.store.index_rebuild import IndexRebuilder
from ticketing.store.log_reader import LogFileReader
from ticketing.store.portable import PortableLogError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from sqlalchemy.engine import Connection

    from ticketing.commands.application import TicketingApplication
    from ticketing.store.recorder import TicketingRecorder
    from ticketing.store.records import LogRecord

IMPORT_BATCH_SIZE: Final = 1_000


class StoreNotEmptyError(ConflictError):
    """Import only loads a whole log into a store that holds nothing yet."""

    code = "store_not_empty"


@dataclass(frozen=True, slots=True)
class ImportSummary:
    events: int
    aggregates: int
    commands: int
    last_position: int
    last_hash: str

    def as_dict(self) -> dict[str, object]:
        return {
            "events": self.events,
            "aggregates": self.aggregates,
            "commands": self.commands,
            "last": {"position": self.last_position, "hash": self.last_hash},
        }


def import_event_log(
    app: TicketingApplication,
    lines: Iterable[bytes],
    *,
    batch_size: int = IMPORT_BATCH_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Load a full portable log; PortableLogError (naming the line) on bad input."""
    recorder = app.log_recorder
    indexes.create_index_tables(recorder.engine)
    reader = LogFileReader(lines)
    header = reader.header
    if not header.is_full:
        raise PortableLogError.at(
            1,
            f"the file holds only the events after position {header.after_position} "
            "(an export with --since); an empty store needs the whole log",
        )
    rebuilder = IndexRebuilder(app.mapper)
    with recorder.transaction(commit=True) as session:
        conn = session.connection()
        recorder.lock_for_append(conn)
        ensure_empty(conn, recorder)
        batch: list[tuple[int, LogRecord]] = []
        for line, row in reader:
            rebuilder.add(line, row)
            batch.append((line, row))
            if len(batch) >= batch_size:
                _write(conn, recorder, batch, rebuilder)
                if progress is not None:
                    progress(reader.events, header.events)
        _write(conn, recorder, batch, rebuilder)
        rebuilder.finish(conn)
        if reader.events:
            recorder.notify_appended(conn)
    return ImportSummary(
        events=reader.events,
        aggregates=len(rebuilder.aggregates),
        commands=rebuilder.commands,
        last_position=reader.last_position,
        last_hash=reader.last_hash,
    )


def _write(
    conn: Connection,
    recorder: TicketingRecorder,
    batch: list[tuple[int, LogRecord]],
    rebuilder: IndexRebuilder,
) -> None:
    if not batch:
        return
    rows = [_values(row) for _, row in batch]
    try:
        with conn.begin_nested():
            conn.execute(insert(recorder.table), rows)
    except (IntegrityError, DataError) as exc:
        first, last = batch[0][0], batch[-1][0]
        raise PortableLogError.at(
            first,
            f"the store refused the events of lines {first}..{last}: {exc.orig}",
        ) from None
    rebuilder.flush(conn)
    batch.clear()


def _values(row: LogRecord) -> dict[str, Any]:
    return {
        "id": row.id,
        "originator_id": row.originator_id,
        "originator_version": row.originator_version,
        "topic": row.topic,
        "state": row.state,
        "recorded_at": row.recorded_at,
        "prev_hash": row.prev_hash,
        "hash": row.hash,
    }


def ensure_empty(conn: Connection, recorder: TicketingRecorder) -> None:
    """StoreNotEmptyError unless the log and the write-side indexes hold nothing."""
    head = recorder.read_head(conn)
    if head is not None:
        events = conn.execute(
            select(func.count()).select_from(recorder.table)
        ).scalar_one()
        raise StoreNotEmptyError(
            f"the store already holds {events} events (head position {head[0]}); "
            "import events needs an empty store",
            {"events": int(events), "head_position": head[0]},
        )
    counters = indexes.counters_table.c
    leftovers = {
        "commands": select(func.count()).select_from(indexes.commands_table),
        "ticket numbers": select(func.count()).select_from(
            indexes.ticket_numbers_table
        ),
        "counters": select(func.count())
        .select_from(indexes.counters_table)
        .where(counters.value != 0),
    }
    for name, query in leftovers.items():
        if conn.execute(query).scalar_one():
            raise StoreNotEmptyError(
                f"the log is empty but the {name} index is not; "
                "import events needs an empty store",
                {"index": name},
            )
    _ensure_no_projection_progress(conn)


def _ensure_no_projection_progress(conn: Connection) -> None:
    """A projection past position 0 over an empty log would skip imported events."""
    registry = registry_table
    if not inspect(conn).has_table(registry.name):
        return
    ahead = conn.execute(
        select(registry.c.key, registry.c.position)
        .where(registry.c.position > 0)
        .limit(1)
    ).first()
    if ahead is not None:
        raise StoreNotEmptyError(
            f"the log is empty but projection {ahead[0]!r} is at position "
            f"{ahead[1]}; drop the projection tables (or use a fresh database) "
            "before importing",
            {"projection": ahead[0], "position": int(ahead[1])},
        )

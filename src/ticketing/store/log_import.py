"""``ticketing import events``: load a portable log into an EMPTY store, all or nothing.

One transaction holds the log's write lock from the emptiness check to the
commit: events go in by batches through the driver (executemany on SQLite,
COPY on PostgreSQL; ``store/bulk_load.py``), verbatim (positions, store
times, hashes), while the file's chain is verified and the write-side indexes
are rebuilt. Any problem rolls everything back, so a failed import leaves the
store exactly as empty as it was.
"""

from __future__ import annotations

import gc
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import func, inspect, select
from sqlalchemy.exc import DataError, IntegrityError

from ticketing.errors import ConflictError
from ticketing.projections.registry import registry_table
from ticketing.store import bulk_load, indexes
from ticketing.store.index_rebuild import IndexRebuilder
from ticketing.store.log_reader import LogFileReader
from ticketing.store.portable import PortableLogError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from types import TracebackType

    from sqlalchemy.engine import Connection

    from ticketing.commands.application import TicketingApplication
    from ticketing.store.log_lines import LoadedEvent
    from ticketing.store.recorder import TicketingRecorder

#: Events per driver call (and per progress report); ~10 MB of rows in memory.
IMPORT_BATCH_SIZE: Final = 10_000


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
    with (
        _gc_paused(),
        recorder.transaction(commit=True) as session,
        _BatchWriter() as writer,
    ):
        conn = session.connection()
        recorder.lock_for_append(conn)
        ensure_empty(conn, recorder)
        table = recorder.qualified_name
        batch: list[LoadedEvent] = []
        first_line = 2
        for line, row in reader:
            rebuilder.add(line, row)
            row.parsed_state = None  # decoded: not kept while the batch fills
            batch.append(row)
            if len(batch) >= batch_size:
                writer.submit(conn, table, batch, (first_line, line), rebuilder.take())
                batch, first_line = [], line + 1
                if progress is not None:
                    progress(reader.events, header.events)
        writer.submit(
            conn, table, batch, (first_line, reader.last_line), rebuilder.take()
        )
        writer.wait()
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


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while loading (restored afterwards).

    Every event allocates a few dozen short-lived containers (parsed JSON,
    the decoded event), so the collector ran every few events and rescanned
    what the batch and the index state keep alive: a quarter of the CPU time
    of an import. Nothing here makes reference cycles, so reference counting
    frees it all and memory stays as bounded as before.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _BatchWriter:
    """Writes each batch on one worker thread while the next is read and checked.

    The database does its part of an insert (SQLite's B-tree work, the
    PostgreSQL server's) without holding the GIL, so reading, hashing and
    decoding the next batch overlap with it. One batch is written at a time,
    in file order, on the import's own connection and transaction; the main
    thread touches that connection only when the writer is idle. At most two
    batches are in memory. If both threads fail, the error of the earlier
    lines (the batch being written) is the one raised, as without the thread.
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="import-writer")
        self._pending: Future[None] | None = None

    def __enter__(self) -> _BatchWriter:
        return self

    def submit(
        self,
        conn: Connection,
        table: str,
        batch: list[LoadedEvent],
        lines: tuple[int, int],
        index_rows: tuple[list[tuple[str, str]], list[Any]],
    ) -> None:
        self.wait()
        self._pending = self._pool.submit(_write, conn, table, batch, lines, index_rows)

    def wait(self) -> None:
        """Until the batch being written is in (raising its error, if any)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            pending, self._pending = self._pending, None
            earlier = None if pending is None else pending.exception()
            if earlier is not None:
                raise earlier
        finally:
            self._pool.shutdown(wait=True)


def _write(
    conn: Connection,
    table: str,
    batch: list[LoadedEvent],
    lines: tuple[int, int],
    index_rows: tuple[list[tuple[str, str]], list[Any]],
) -> None:
    if batch:
        try:
            bulk_load.insert_events(conn, table, batch)
        except (IntegrityError, DataError) as exc:
            first, last = lines
            raise PortableLogError.at(
                first,
                f"the store refused the events of lines {first}..{last}: {exc.orig}",
            ) from None
    IndexRebuilder.write(conn, *index_rows)


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

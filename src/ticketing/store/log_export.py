"""``ticketing export``: stream the log (or its tail) as a portable file.

The range is fixed when the export starts (events after ``since`` up to the
head at that moment), so concurrent appends never tear the file. Events are
written verbatim, tampered or not: the chain is checked on the way and a break
is reported, but the file stays a faithful copy of what is stored.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from sqlalchemy import func, select

from ticketing.errors import ConflictError
from ticketing.store.chain import GENESIS_HASH
from ticketing.store.chain_scan import ChainScanner
from ticketing.store.portable import Header, dump_line, encode_event
from ticketing.store.verify import positions_with_hash

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import BinaryIO

    from ticketing.store.findings import Finding
    from ticketing.store.recorder import TicketingRecorder

EXPORT_PAGE_SIZE: Final = 2_000


class ExportError(ConflictError):
    """The stored log changed below the head while it was being exported."""

    code = "export_failed"


@dataclass(frozen=True, slots=True)
class ExportSummary:
    """What was written, and the first broken link met on the way (if any)."""

    header: Header
    broken: Finding | None

    def as_dict(self) -> dict[str, object]:
        return {
            "events": self.header.events,
            "after": self.header.after_position,
            "last": self.header.last_position,
            "last_hash": self.header.last_hash,
            "chain_ok": self.broken is None,
            "broken": None if self.broken is None else self.broken.as_dict(),
        }


def export_header(recorder: TicketingRecorder, since: int) -> Header:
    """The range to export: events after ``since`` up to the current head."""
    t = recorder.table
    with recorder.transaction(commit=False) as session:
        conn = session.connection()
        head = recorder.read_head(conn)
        before = conn.execute(
            select(t.c.hash).where(t.c.id <= since).order_by(t.c.id.desc()).limit(1)
        ).scalar()
        after_hash = GENESIS_HASH if before is None else str(before)
        if head is None or head[0] <= since:
            return Header(since, after_hash, since, after_hash, 0)
        count = conn.execute(
            select(func.count()).select_from(t).where(t.c.id > since, t.c.id <= head[0])
        ).scalar_one()
    return Header(since, after_hash, head[0], head[1], int(count))


def export_log(
    recorder: TicketingRecorder,
    out: BinaryIO,
    *,
    since: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> ExportSummary:
    """Write the header and every event after ``since`` to ``out``."""
    header = export_header(recorder, since)
    out.write(dump_line(header.as_dict()))
    scanner = ChainScanner(start_hash=header.after_hash, start_position=since)
    after = since
    while page := recorder.select_records(
        after, EXPORT_PAGE_SIZE, header.last_position, inclusive_of_start=False
    ):
        for row in page:
            scanner.feed(row)
            out.write(encode_event(row))
        after = page[-1].id
        if progress is not None:
            progress(scanner.events, header.events)
    if scanner.events != header.events or scanner.last_hash != header.last_hash:
        msg = (
            f"the log changed under the export: {scanner.events} events read "
            f"where {header.events} were counted"
        )
        raise ExportError(msg, {"read": scanner.events, "counted": header.events})
    broken = scanner.finish(lambda digest: positions_with_hash(recorder, digest))
    return ExportSummary(header, broken)


def export_to_path(
    recorder: TicketingRecorder,
    path: Path,
    *,
    since: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> ExportSummary:
    """Export into ``path`` atomically: a temporary file renamed when complete."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial")
    try:
        with temporary.open("wb") as out:
            summary = export_log(recorder, out, since=since, progress=progress)
            out.flush()
            os.fsync(out.fileno())
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
    return summary

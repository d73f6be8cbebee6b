"""Read a portable log file line by line, verifying its hash chain as it goes.

Any problem (malformed JSON, wrong format or version, a missing or bad field,
a broken link, a hash that does not match its event, a file that ends before
the range its header announces) raises PortableLogError naming the line.

``decode_event`` is the reference reading of an event line; the reader first
tries ``log_lines.fast_decode_event``, which reads the lines an export writes
identically in one pass and leaves every other line to ``decode_event``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Final
from uuid import UUID

from ticketing.store.chain import event_hash_of_bytes
from ticketing.store.log_lines import LoadedEvent, fast_decode_event
from ticketing.store.portable import (
    FORMAT_NAME,
    FORMAT_VERSION,
    Header,
    PortableLogError,
    check_fields,
    field_hash,
    field_int,
    field_state,
    field_text,
    field_uuid,
    load_object,
)
from ticketing.store.records import LogRecord

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

HEADER_FIELDS: Final = {"format", "version", "source", "after", "last", "events"}
EVENT_FIELDS: Final = {
    "position",
    "originator_id",
    "originator_version",
    "topic",
    "recorded_at",
    "prev_hash",
    "hash",
}
STATE_FIELDS: Final = {"state", "state_base64"}


def decode_header(raw: bytes) -> Header:
    value = load_object(1, raw, "the header line")
    if value.get("format") != FORMAT_NAME:
        raise PortableLogError.at(
            1, f"not a ticketing event log (format {value.get('format')!r})"
        )
    if value.get("version") != FORMAT_VERSION:
        raise PortableLogError.at(
            1,
            f"unsupported format version {value.get('version')!r} "
            f"(this build reads version {FORMAT_VERSION})",
        )
    check_fields(1, value, HEADER_FIELDS, set())
    after, last = _range_end(value, "after"), _range_end(value, "last")
    events = field_int(1, value, "events", 0)
    return Header(after[0], after[1], last[0], last[1], events)


def _range_end(value: dict[str, Any], name: str) -> tuple[int, str]:
    end = value[name]
    if not isinstance(end, dict):
        raise PortableLogError.at(1, f"{name} must be an object")
    check_fields(1, end, {"position", "hash"}, set())
    return field_int(1, end, "position", 0), field_hash(1, end, "hash")


def decode_event(line_no: int, raw: bytes) -> LogRecord:
    value = load_object(line_no, raw, "an event line")
    check_fields(line_no, value, EVENT_FIELDS, STATE_FIELDS)
    recorded_at = field_text(line_no, value, "recorded_at")
    if not _is_aware_timestamp(recorded_at):
        raise PortableLogError.at(
            line_no, "recorded_at must be an ISO 8601 time with a UTC offset"
        )
    return LogRecord(
        id=field_int(line_no, value, "position", 1),
        originator_id=field_uuid(line_no, value, "originator_id"),
        originator_version=field_int(line_no, value, "originator_version", 1),
        topic=field_text(line_no, value, "topic"),
        state=field_state(line_no, value),
        recorded_at=recorded_at,
        prev_hash=field_hash(line_no, value, "prev_hash"),
        hash=field_hash(line_no, value, "hash"),
    )


def loaded_event(line_no: int, raw: bytes) -> LoadedEvent:
    """``decode_event``'s reading of a line, as the import carries it."""
    row = decode_event(line_no, raw)
    oid = row.originator_id
    assert isinstance(oid, UUID)  # noqa: S101 - decode_event parses it
    return LoadedEvent(
        row.id,
        str(oid),
        oid.bytes,
        row.originator_version,
        row.topic,
        row.state,
        row.recorded_at,
        row.prev_hash,
        row.hash,
    )


class _AwareCheck:
    """``_is_aware_timestamp`` remembering the last time it accepted (a batch of
    events appended together shares one store time)."""

    def __init__(self) -> None:
        self.last = ""

    def __call__(self, text: str) -> bool:
        if text == self.last:
            return True
        if _is_aware_timestamp(text):
            self.last = text
            return True
        return False


def _is_aware_timestamp(text: str) -> bool:
    if not text.isascii():
        return False
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return False
    return parsed.utcoffset() is not None


class LogFileReader:
    """Iterate ``(line number, event)`` over a file's lines, checking the chain.

    Raises at the end when the file stops before the header's announced last
    event (a truncated file) or goes beyond it.
    """

    def __init__(self, lines: Iterable[bytes]) -> None:
        self._lines = enumerate(lines, start=1)
        first = next(self._lines, None)
        if first is None:
            raise PortableLogError.at(1, "the file is empty (no header line)")
        self.header = decode_header(first[1])
        self.events = 0
        self.last_position = self.header.after_position
        self.last_hash = self.header.after_hash
        self.last_line = 1

    def __iter__(self) -> Iterator[tuple[int, LoadedEvent]]:
        is_aware = _AwareCheck()
        for line_no, raw in self._lines:
            self.last_line = line_no
            row = fast_decode_event(raw, is_aware)
            if row is None:
                if not raw.strip():
                    raise PortableLogError.at(line_no, "empty line")
                row = loaded_event(line_no, raw)
            if (
                self.events >= self.header.events
                or row.position <= self.last_position
                or row.prev_hash != self.last_hash
                or _content_hash(row) != row.hash
            ):
                self._refuse_link(line_no, row)
            self.events += 1
            self.last_position, self.last_hash = row.position, row.hash
            yield line_no, row
        self._check_complete()

    def _refuse_link(self, line_no: int, row: LoadedEvent) -> None:
        """Raise the error for the first check ``row`` fails, in the order given."""
        at = {"position": row.position}
        last_position, last_hash = self.last_position, self.last_hash
        if self.events >= self.header.events:
            raise PortableLogError.at(
                line_no,
                f"more events than the {self.header.events} the header announces",
                **at,
            )
        if row.position <= last_position:
            raise PortableLogError.at(
                line_no,
                f"position {row.position} does not follow position {last_position}",
                **at,
            )
        if row.prev_hash != last_hash:
            raise PortableLogError.at(
                line_no,
                f"broken chain at position {row.position}: prev_hash does not "
                "match the hash of the event before it",
                expected=last_hash,
                found=row.prev_hash,
                **at,
            )
        raise PortableLogError.at(
            line_no,
            f"broken chain at position {row.position}: the event's content does "
            "not match its hash (edited)",
            expected=row.hash,
            found=_content_hash(row),
            **at,
        )

    def _check_complete(self) -> None:
        h = self.header
        if (self.events, self.last_position, self.last_hash) != (
            h.events,
            h.last_position,
            h.last_hash,
        ):
            raise PortableLogError.at(
                self.last_line,
                f"the file ends after {self.events} events (position "
                f"{self.last_position}) but its header announces {h.events} events "
                f"ending at position {h.last_position}: it is truncated or altered",
                expected={"events": h.events, "position": h.last_position},
                found={"events": self.events, "position": self.last_position},
            )


def _content_hash(row: LoadedEvent) -> str:
    return event_hash_of_bytes(
        row.prev_hash,
        row.position,
        row.originator_bytes,
        row.originator_version,
        row.topic,
        row.state,
        row.recorded_at,
    )

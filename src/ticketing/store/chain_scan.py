"""Walk the log in position order and explain its first broken link.

Each row is checked twice: its *content* (the hash recomputed from its fields
and its stored ``prev_hash`` equals its stored ``hash``) and its *link* (its
``prev_hash`` equals the stored ``hash`` of the row before it). The first row
failing either check is then classified from its neighbours, later rows and a
lookup of hashes elsewhere in the table; see docs/event-log.md ("Verifying").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from uuid import UUID

from ticketing.store.chain import GENESIS_HASH, event_hash
from ticketing.store.findings import Finding

if TYPE_CHECKING:
    from collections.abc import Callable

    from ticketing.store.records import LogRecord


def content_hash(
    row: LogRecord, position: int, prev_hash: str, recorded_at: str
) -> str:
    """The chain hash of ``row``'s event placed at ``position`` after ``prev_hash``."""
    oid = row.originator_id
    return event_hash(
        prev_hash,
        position,
        oid if isinstance(oid, UUID) else UUID(str(oid)),
        row.originator_version,
        row.topic,
        row.state,
        recorded_at,
    )


def belongs_at(row: LogRecord, slot: LogRecord) -> bool:
    """Whether ``row``'s event (with either store time) is what ``slot`` hashed."""
    return any(
        content_hash(row, slot.id, slot.prev_hash, recorded_at) == slot.hash
        for recorded_at in {row.recorded_at, slot.recorded_at}
    )


@dataclass(slots=True)
class _Break:
    """The first row that failed, with what is needed to explain it."""

    row: LogRecord
    before: LogRecord | None
    expected_prev: str
    computed: str
    next_row: LogRecord | None = None
    partner: int | None = None

    @property
    def link_ok(self) -> bool:
        return self.row.prev_hash == self.expected_prev


@dataclass(slots=True)
class ChainScanner:
    """Feed rows in position order, then ``finish`` for the first broken link."""

    start_hash: str = GENESIS_HASH
    start_position: int = 0
    events: int = 0
    anomalies: int = 0
    last: LogRecord | None = None
    first: _Break | None = field(default=None)

    @property
    def last_hash(self) -> str:
        return self.start_hash if self.last is None else self.last.hash

    @property
    def last_position(self) -> int:
        return self.start_position if self.last is None else self.last.id

    def feed(self, row: LogRecord) -> None:
        expected_prev = self.last_hash
        computed = content_hash(row, row.id, row.prev_hash, row.recorded_at)
        link_ok = row.prev_hash == expected_prev
        content_ok = computed == row.hash
        first = self.first
        if first is not None:
            if first.next_row is None:
                first.next_row = row
            swap_candidate = link_ok and not content_ok and first.link_ok
            if swap_candidate and first.partner is None and belongs_at(first.row, row):
                first.partner = row.id
        elif not (link_ok and content_ok):
            self.first = _Break(row, self.last, expected_prev, computed)
        if not (link_ok and content_ok):
            self.anomalies += 1
        self.last = row
        self.events += 1

    def finish(self, lookup: Callable[[str], list[int]]) -> Finding | None:
        """The first broken link, classified; None when the whole chain holds.

        ``lookup(hash)`` returns the positions of the rows whose stored hash is
        ``hash``; it is called at most twice, only when the chain is broken.
        """
        if self.first is None:
            return None
        return _classify(self.first, lookup, self.start_position, self.anomalies)


def _classify(
    b: _Break, lookup: Callable[[str], list[int]], start: int, anomalies: int
) -> Finding:
    r = b.row
    base: dict[str, object] = {"detected_at": r.id, "rows_failing": anomalies}
    if b.link_ok:
        if b.partner is not None:
            return Finding(
                "chain",
                "reordered",
                r.id,
                r.hash,
                b.computed,
                f"the events at positions {r.id} and {b.partner} were swapped: "
                f"the content stored at {r.id} is the event hashed at {b.partner}",
                {**base, "swapped_with": b.partner},
            )
        return Finding(
            "chain",
            "edited",
            r.id,
            r.hash,
            b.computed,
            f"the event at position {r.id} was edited: its content no longer "
            "matches its chained hash",
            base,
        )
    return _classify_link(b, lookup, start, base) or _foreign(b, base)


def _classify_link(
    b: _Break,
    lookup: Callable[[str], list[int]],
    start: int,
    base: dict[str, object],
) -> Finding | None:
    r, p, s = b.row, b.before, b.next_row
    expected, found = b.expected_prev, r.prev_hash
    if s is not None and found == s.hash:
        return Finding(
            "chain",
            "reordered",
            r.id,
            expected,
            found,
            f"the events at positions {r.id} and {s.id} are in swapped order: "
            f"the event at {r.id} links to the event at {s.id}",
            {**base, "swapped_with": s.id},
        )
    if s is not None and s.prev_hash == expected:
        return Finding(
            "chain",
            "inserted",
            r.id,
            expected,
            found,
            f"the event at position {r.id} was inserted: the next event "
            f"(position {s.id}) links to the event before it",
            base,
        )
    if p is not None and found == p.prev_hash:
        return Finding(
            "chain",
            "inserted",
            p.id,
            expected,
            found,
            f"the event at position {p.id} was inserted: the next event "
            f"(position {r.id}) links to the event before it",
            base,
        )
    duplicates = [q for q in lookup(r.hash) if q != r.id]
    if duplicates:
        return Finding(
            "chain",
            "inserted",
            r.id,
            expected,
            found,
            f"the event at position {r.id} was inserted: it is a copy of the "
            f"event at position {duplicates[0]}",
            {**base, "duplicate_of": duplicates[0]},
        )
    origin = lookup(found)
    if origin:
        return Finding(
            "chain",
            "reordered",
            r.id,
            expected,
            found,
            f"the event at position {r.id} was moved: it links to the event at "
            f"position {origin[0]}, not to its predecessor",
            {**base, "belongs_after": origin[0]},
        )
    return _deleted(b, start, base)


def _deleted(b: _Break, start: int, base: dict[str, object]) -> Finding | None:
    r, p, s = b.row, b.before, b.next_row
    before = start if p is None else p.id
    if r.id > before + 1:
        return Finding(
            "chain",
            "deleted",
            r.id,
            b.expected_prev,
            r.prev_hash,
            f"events are missing before position {r.id} (positions "
            f"{before + 1}..{r.id - 1} were deleted): it links to a hash that "
            "no stored event has",
            {**base, "missing_from": before + 1, "missing_to": r.id - 1},
        )
    if s is not None and s.prev_hash == r.hash:
        return Finding(
            "chain",
            "deleted",
            r.id,
            b.expected_prev,
            r.prev_hash,
            f"the event before position {r.id} is missing (deleted, and the "
            "later positions renumbered): it links to a hash no stored event has",
            base,
        )
    return None


def _foreign(b: _Break, base: dict[str, object]) -> Finding:
    """A row that neither links to the chain nor is linked to by it."""
    r = b.row
    return Finding(
        "chain",
        "inserted",
        r.id,
        b.expected_prev,
        r.prev_hash,
        f"the event at position {r.id} does not belong to the chain (inserted): "
        "it links to a hash no stored event has, and nothing links to it",
        base,
    )

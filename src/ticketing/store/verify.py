"""``ticketing verify``: recompute the hash chain over the whole log, page by page.

Three independent lines of evidence: the hash chain (first broken link, named
and classified), per-ticket version continuity (1..n in position order), and
optionally a seal kept outside the database. Memory stays bounded by one page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from sqlalchemy import and_, func, or_, select

from ticketing.store.chain import GENESIS_HASH
from ticketing.store.chain_scan import ChainScanner
from ticketing.store.findings import Finding
from ticketing.store.seal import Seal, check_seal

if TYPE_CHECKING:
    from collections.abc import Callable

    from ticketing.clock import Clock
    from ticketing.store.recorder import TicketingRecorder

DEFAULT_PAGE_SIZE: Final = 2_000


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """What ``verify`` checked (every event up to ``head_position``) and found."""

    events: int
    head_position: int
    head_hash: str
    findings: tuple[Finding, ...]
    seal: Seal | None = None

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "events": self.events,
            "head": {"position": self.head_position, "hash": self.head_hash},
            "checks": ["chain", "versions"] + (["seal"] if self.seal else []),
            "seal": None if self.seal is None else self.seal.as_dict(),
            "findings": [f.as_dict() for f in self.findings],
        }


def read_head(recorder: TicketingRecorder) -> tuple[int, str]:
    """Position and hash of the last event; (0, zero hash) for an empty log."""
    with recorder.transaction(commit=False) as session:
        head = recorder.read_head(session.connection())
    return head or (0, GENESIS_HASH)


def verify_log(
    recorder: TicketingRecorder,
    *,
    seal: Seal | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> VerifyReport:
    """Check every event up to the current head; ``progress(position, head)``."""
    head_position, head_hash = read_head(recorder)
    scanner = ChainScanner()
    after = 0
    while page := recorder.select_records(
        after, page_size, head_position, inclusive_of_start=False
    ):
        for row in page:
            scanner.feed(row)
        after = page[-1].id
        if progress is not None:
            progress(after, head_position)
    findings = [
        scanner.finish(lambda digest: positions_with_hash(recorder, digest)),
        first_version_gap(recorder, head_position),
    ]
    if seal is not None:
        findings.append(check_seal(recorder, seal, (head_position, head_hash)))
    return VerifyReport(
        events=scanner.events,
        head_position=head_position,
        head_hash=head_hash,
        findings=tuple(f for f in findings if f is not None),
        seal=seal,
    )


def make_seal(report: VerifyReport, clock: Clock) -> Seal:
    """A checkpoint of a verified log, to be stored outside the database."""
    return Seal(
        position=report.head_position,
        hash=report.head_hash,
        events=report.events,
        sealed_at=clock.now().isoformat(timespec="microseconds"),
    )


def positions_with_hash(recorder: TicketingRecorder, digest: str) -> list[int]:
    """Positions of the rows whose stored hash is ``digest`` (a full scan: rare)."""
    t = recorder.table
    query = select(t.c.id).where(t.c.hash == digest).order_by(t.c.id).limit(10)
    with recorder.transaction(commit=False) as session:
        return [int(v) for v in session.connection().execute(query).scalars()]


def first_version_gap(recorder: TicketingRecorder, stop: int) -> Finding | None:
    """The first event (by position) whose version is not its predecessor's + 1.

    Evidence independent of the hashes: every aggregate's events, taken in
    position order, must carry versions 1, 2, 3, ... without gap or repeat.
    """
    t = recorder.table
    previous = (
        func.lag(t.c.originator_version)
        .over(partition_by=t.c.originator_id, order_by=t.c.id)
        .label("previous")
    )
    rows = (
        select(t.c.id, t.c.originator_id, t.c.originator_version, previous)
        .where(t.c.id <= stop)
        .subquery()
    )
    version = rows.c.originator_version
    query = (
        select(rows)
        .where(
            or_(
                and_(rows.c.previous.is_(None), version != 1),
                version != rows.c.previous + 1,
            )
        )
        .order_by(rows.c.id)
        .limit(1)
    )
    with recorder.transaction(commit=False) as session:
        found = session.connection().execute(query).first()
    if found is None:
        return None
    m = found._mapping
    expected = 1 if m["previous"] is None else int(m["previous"]) + 1
    actual = int(m["originator_version"])
    return Finding(
        "versions",
        "version_gap",
        int(m["id"]),
        expected,
        actual,
        f"the event at position {m['id']} has version {actual} of "
        f"{m['originator_id']}, but the previous event of that aggregate "
        f"(in position order) has version {expected - 1}",
        {"originator_id": str(m["originator_id"])},
    )

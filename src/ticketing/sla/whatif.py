"""What-if: the SLA projection under a candidate policy, beside the live one.

The candidate projection is built from the log into a throw-away in-memory
database, up to the live projection's checkpoint, so both sides judge the same
events. Nothing is written to the live database and no command is issued
(automation never sees a what-if). The result: old vs new figures and every
clock whose outcome flips.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import select

from ticketing.projections.manage import Scratch, build_scratch
from ticketing.queries.sla import ComplianceRow, LiveCounts, compliance, live_counts
from ticketing.sla.evidence import instant_text
from ticketing.sla.projection import SlaProjection
from ticketing.sla.reading import active_view, read_view
from ticketing.store.datastore import snapshot_transaction

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from sqlalchemy.engine import Connection

    from ticketing.projections.catchup import LogSource
    from ticketing.projections.manage import ProjectionHost
    from ticketing.sla.tables import SlaTables
    from ticketing.sla.validate import SlaBundle

ClockKey = tuple[str, str, int]  # ticket id, metric, cycle
FINAL: Final = frozenset({"met", "breached", "canceled"})


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one clock (the latest of its metric and cycle) stands at ``now``."""

    outcome: str  # met | breached | canceled | on_track | overdue
    state: str
    priority: str
    policy_version: str
    target_seconds: float
    elapsed_seconds: float
    due_at: datetime | None
    breached_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            due_at=instant_text(self.due_at), breached_at=instant_text(self.breached_at)
        )
        return data


@dataclass(frozen=True, slots=True)
class Flip:
    """A clock whose outcome differs between the live and the candidate policy."""

    ticket_id: str
    number: str
    metric: str
    cycle: int
    old: Outcome | None
    new: Outcome | None

    def as_json(self) -> dict[str, Any]:
        return {
            "ticket_id": self.ticket_id,
            "number": self.number,
            "metric": self.metric,
            "cycle": self.cycle,
            "old": None if self.old is None else self.old.as_json(),
            "new": None if self.new is None else self.new.as_json(),
        }


@dataclass(frozen=True, slots=True)
class Side:
    """Figures of one side of the comparison."""

    label: str
    compliance: list[ComplianceRow]
    live: LiveCounts


@dataclass(frozen=True, slots=True)
class WhatIf:
    """Old (live) vs new (candidate) figures and the flipped clocks."""

    candidate_version: str
    candidate_sha256: str
    position: int
    now: datetime
    old: Side
    new: Side
    flips: list[Flip]
    clocks_compared: int
    build_seconds: float

    def as_json(self) -> dict[str, Any]:
        def side(s: Side) -> dict[str, Any]:
            return {
                "policy": s.label,
                "compliance": [r.as_json() for r in s.compliance],
                "live": asdict(s.live),
            }

        return {
            "candidate": {
                "version": self.candidate_version,
                "sha256": self.candidate_sha256,
            },
            "position": self.position,
            "now": instant_text(self.now),
            "old": side(self.old),
            "new": side(self.new),
            "clocks_compared": self.clocks_compared,
            "flips": [f.as_json() for f in self.flips],
            "build_seconds": round(self.build_seconds, 3),
        }


def build_candidate(
    source: LogSource, bundle: SlaBundle, position: int, batch_size: int = 2000
) -> Scratch:
    """The SLA projection under ``bundle`` up to ``position``, in scratch space."""
    return build_scratch(
        source, SlaProjection(candidate=bundle), stop=position, batch_size=batch_size
    )


def _outcome(r: Any, now: datetime) -> Outcome:
    if r.state in FINAL:
        label = r.state
    elif r.breached_at is not None or (r.due_at is not None and r.due_at <= now):
        label = "overdue"
    else:
        label = "on_track"
    return Outcome(
        outcome=label,
        state=r.state,
        priority=r.priority,
        policy_version=r.policy_version,
        target_seconds=r.target_seconds,
        elapsed_seconds=r.elapsed_seconds,
        due_at=r.due_at,
        breached_at=r.breached_at,
    )


def outcomes(
    conn: Connection, tables: SlaTables, now: datetime
) -> dict[ClockKey, tuple[str, Outcome]]:
    """Per (ticket, metric, cycle): ticket number and the latest clock's outcome."""
    c, t = tables.clocks.c, tables.tickets.c
    query = (
        select(tables.clocks, t.number)
        .join_from(tables.clocks, tables.tickets, c.ticket_id == t.ticket_id)
        .order_by(c.ticket_id, c.metric, c.sequence)
    )
    found: dict[ClockKey, tuple[str, Outcome]] = {}
    for r in conn.execution_options(yield_per=5000).execute(query):
        found[str(r.ticket_id), r.metric, r.cycle] = (r.number, _outcome(r, now))
    return found


def flips(
    old: dict[ClockKey, tuple[str, Outcome]],
    new: dict[ClockKey, tuple[str, Outcome]],
) -> list[Flip]:
    """Clocks whose outcome differs (or that exist on one side only)."""
    found: list[Flip] = []
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key), new.get(key)
        if a is not None and b is not None and a[1].outcome == b[1].outcome:
            continue
        number = (a or b or ("?", None))[0]
        found.append(
            Flip(
                ticket_id=key[0],
                number=number,
                metric=key[1],
                cycle=key[2],
                old=None if a is None else a[1],
                new=None if b is None else b[1],
            )
        )
    found.sort(key=lambda f: (f.number, f.metric, f.cycle))
    return found


def run_whatif(
    host: ProjectionHost,
    bundle: SlaBundle,
    now: datetime,
    dimensions: Iterable[str] = ("all", "priority"),
    period: str = "month",
) -> WhatIf:
    """Compare the live SLA projection with ``bundle`` over the same events.

    Reads the live projection in one snapshot and never writes to it.
    """
    wanted = tuple(dimensions)
    with snapshot_transaction(host.engine) as conn:
        live = active_view(host, conn)
        started = time.perf_counter()
        scratch = build_candidate(host.source, bundle, live.position)
        built = time.perf_counter() - started
        try:
            with scratch.engine.connect() as s:
                old_side = Side(
                    "live (per ticket: the version in force when it was opened)",
                    compliance(conn, live.tables, wanted, period, totals=True),
                    live_counts(conn, live.tables, now, totals=True),
                )
                candidate = read_view(s, scratch.tables, live.position, bundle)
                new_side = Side(
                    f"candidate {bundle.version}",
                    compliance(s, candidate.tables, wanted, period, totals=True),
                    live_counts(s, candidate.tables, now, totals=True),
                )
                before = outcomes(conn, live.tables, now)
                after = outcomes(s, candidate.tables, now)
        finally:
            scratch.close()
    return WhatIf(
        candidate_version=bundle.version,
        candidate_sha256=bundle.sha256,
        position=live.position,
        now=now,
        old=old_side,
        new=new_side,
        flips=flips(before, after),
        clocks_compared=len(before.keys() | after.keys()),
        build_seconds=built,
    )

"""Aggregates of the SLA projection, kept by delta with its clock rows.

* ``<prefix>_totals``: per grain (``day``, ``week``, ``month``, and ``all``
  with the one period ``*``) and period of the stop instant (UTC), metric,
  the ticket's current queue and group, the clock's priority and ticket
  type: met and breached clocks, and the sums the compliance report divides
  (business time and wall time in whole microseconds, and how many clocks
  have a wall time). Every final clock
  counts once per grain; ``all`` answers reports without a period or date
  range from a few rows, however long the history.
* ``<prefix>_live``: how many clocks are running, paused, and paused past
  their target (a paused clock's breach does not move; a running clock's
  overdue is a question about "now", answered by the ``(state, due_at)``
  index instead).

``Batch.write`` computes what each batch changed with ``ClockContributions``:
the contribution of a ticket's clock rows before the batch (read back for the
tickets it loaded) is taken away and that of its rows after the batch added,
both under the ticket's queue and group at that moment (a re-routed ticket
moves its final clocks to the new queue, as the full-scan report does). Sums
are integers, so the tables do not depend on batch boundaries; they are a
function of the clocks and tickets tables and stay out of the digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text, select

from ticketing.policies.calendar import as_utc
from ticketing.projections.counters import Deltas

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import datetime
    from uuid import UUID

    from sqlalchemy import MetaData
    from sqlalchemy.engine import Connection

GRAINS: Final = ("day", "week", "month", "all")
#: The period of the ``all`` grain: every clock, whenever it stopped.
ALL_TIME: Final = "*"
TOTAL_GROUP: Final = (
    "grain",
    "period",
    "metric",
    "queue",
    "group_name",
    "priority",
    "ticket_type",
)
TOTAL_SUMS: Final = ("met", "breached", "business_micros", "wall_micros", "walls")
LIVE_GROUP: Final = ("state", "breached")
LIVE_SUMS: Final = ("clocks",)
#: Clock row columns the contributions need.
CLOCK_COLUMNS: Final = (
    "ticket_id",
    "metric",
    "sequence",
    "state",
    "priority",
    "ticket_type",
    "started_at",
    "stopped_at",
    "resolved_at",
    "elapsed_seconds",
    "breached_at",
)
_MICRO: Final = timedelta(microseconds=1)


def define_totals(metadata: MetaData, prefix: str) -> Table:
    return Table(
        f"{prefix}_totals",
        metadata,
        Column("key", Text(), primary_key=True),
        Column("grain", String(8), nullable=False),
        #: ``2025-03-07`` (day), ``2025-W10`` (ISO week), ``2025-03`` (month).
        Column("period", String(10), nullable=False),
        Column("metric", String(16), nullable=False),
        Column("queue", String(128)),
        Column("group_name", String(128)),
        Column("priority", String(2), nullable=False),
        Column("ticket_type", String(32), nullable=False),
        Column("met", BigInteger(), nullable=False),
        Column("breached", BigInteger(), nullable=False),
        Column("business_micros", BigInteger(), nullable=False),
        Column("wall_micros", BigInteger(), nullable=False),
        Column("walls", BigInteger(), nullable=False),
        Index(f"{prefix}_totals_period_ix", "grain", "period"),
    )


def define_live(metadata: MetaData, prefix: str) -> Table:
    return Table(
        f"{prefix}_live",
        metadata,
        Column("key", Text(), primary_key=True),
        Column("state", String(16), nullable=False),
        #: 1: paused clocks already past their target.
        Column("breached", Integer(), nullable=False),
        Column("clocks", BigInteger(), nullable=False),
    )


def period_of(moment: datetime, grain: str) -> str:
    """The UTC period key of ``moment`` (as ``ticketing.queries.sla_sql``)."""
    return _periods(as_utc(moment).date())[GRAINS.index(grain)]


@lru_cache(maxsize=4096)
def _periods(day: date) -> tuple[str, str, str, str]:
    """The day, ISO week, month and all-time keys of a UTC date (``GRAINS``)."""
    year, week, _ = day.isocalendar()
    month = f"{day.year:04d}-{day.month:02d}"
    return day.isoformat(), f"{year}-W{week:02d}", month, ALL_TIME


def business_micros(elapsed_seconds: float) -> int:
    """Business time in whole microseconds (rows hold whole microseconds)."""
    return round(elapsed_seconds * 1_000_000)


@dataclass
class ClockContributions:
    """What clock rows add to the totals and live tables (signed)."""

    totals: Deltas
    live: Deltas

    @classmethod
    def empty(cls) -> ClockContributions:
        return cls(
            Deltas(TOTAL_GROUP, TOTAL_SUMS, ("met", "breached")),
            Deltas(LIVE_GROUP, LIVE_SUMS, LIVE_SUMS),
        )

    def add(
        self,
        row: Mapping[Any, Any],
        queue: str | None,
        group: str | None,
        sign: int = 1,
    ) -> None:
        state = row["state"]
        if state == "running":
            self.live.add(("running", 0), (1,), sign)
        elif state == "paused":
            breached = 0 if row["breached_at"] is None else 1
            self.live.add(("paused", breached), (1,), sign)
        elif state in ("met", "breached"):
            self._final(row, queue, group, sign)

    def _final(
        self, row: Mapping[Any, Any], queue: str | None, group: str | None, sign: int
    ) -> None:
        metric = row["metric"]
        end = row["resolved_at"] if metric == "resolution" else row["stopped_at"]
        wall = 0 if end is None else (end - row["started_at"]) // _MICRO
        met = 1 if row["state"] == "met" else 0
        values = (
            met,
            1 - met,
            business_micros(row["elapsed_seconds"]),
            wall,
            0 if end is None else 1,
        )
        periods = _periods(as_utc(row["stopped_at"]).date())
        tail = (metric, queue, group, row["priority"], row["ticket_type"])
        for grain, period in zip(GRAINS, periods, strict=True):
            self.totals.add((grain, period, *tail), values, sign)

    def write(self, conn: Connection, totals: Table, live: Table) -> None:
        self.totals.write(conn, totals)
        self.live.write(conn, live)


ClockKey = tuple[str, int]


def old_clock_rows(
    conn: Connection, clocks: Table, tickets: Iterable[UUID]
) -> dict[UUID, dict[ClockKey, dict[str, Any]]]:
    """The stored clock rows of ``tickets`` (what a batch is about to replace)."""
    wanted = list(tickets)
    found: dict[UUID, dict[ClockKey, dict[str, Any]]] = {t: {} for t in wanted}
    columns = [clocks.c[n] for n in CLOCK_COLUMNS]
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for r in conn.execute(select(*columns).where(clocks.c.ticket_id.in_(chunk))):
            row = dict(r._mapping)
            found[row["ticket_id"]][row["metric"], row["sequence"]] = row
    return found


def recompute(conn: Connection, clocks: Table, tickets: Table) -> ClockContributions:
    """The aggregates recomputed from the clocks and tickets tables."""
    c, t = clocks.c, tickets.c
    query = (
        select(*(c[n] for n in CLOCK_COLUMNS), t.queue, t.group_name)
        .join_from(clocks, tickets, c.ticket_id == t.ticket_id)
        .execution_options(yield_per=5000)
    )
    out = ClockContributions.empty()
    for r in conn.execute(query):
        m = r._mapping
        out.add(m, m["queue"], m["group_name"])
    return out


def backfill(
    conn: Connection, clocks: Table, tickets: Table, totals: Table, live: Table
) -> None:
    """Fill empty aggregate tables from the clocks and tickets tables."""
    recompute(conn, clocks, tickets).write(conn, totals, live)

"""SLA queries: compliance figures, MTTA/MTTR, at-risk clocks, queue due times.

They read one SLA projection's tables (the live one, or a what-if scratch
copy) and take "now" as an argument: nothing stored depends on it. A
running clock's elapsed time at ``now`` is its stored elapsed (up to its last
transition) plus the business time since, in the calendar of its target.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import case, func, select

from ticketing.policies.calendar import business_time_between
from ticketing.queries.sla_sql import (
    business_micros_sql,
    period_key,
    wall_microseconds,
)
from ticketing.queries.sla_totals import grouped_totals, live_from_totals
from ticketing.sla.evidence import instant_text

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from datetime import datetime

    from sqlalchemy import ColumnElement, Subquery
    from sqlalchemy.engine import Connection

    from ticketing.policies.calendar import Calendar
    from ticketing.sla.tables import SlaTables

DIMENSIONS: Final = ("all", "queue", "group", "priority", "type", "period")
PERIODS: Final = ("day", "week", "month")
NONE_KEY: Final = "(none)"


@dataclass(frozen=True, slots=True)
class ComplianceRow:
    """Met/breached clocks of one metric in one group, with mean times.

    For ``response`` the means are MTTA (to the first response), for
    ``resolution`` MTTR (to the last resolution), in business time (the
    clock's calendar, pauses excluded) and wall-clock time.
    """

    dimension: str
    key: str
    metric: str
    met: int
    breached: int
    mean_business_seconds: float | None
    mean_wall_seconds: float | None

    @property
    def total(self) -> int:
        return self.met + self.breached

    @property
    def percent_met(self) -> float | None:
        return round(100.0 * self.met / self.total, 2) if self.total else None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(total=self.total, percent_met=self.percent_met)
        return data


@dataclass(frozen=True, slots=True)
class AtRiskClock:
    """A running clock past its warning threshold (or overdue), at ``now``."""

    ticket_id: str
    number: str
    metric: str
    cycle: int
    priority: str
    queue: str | None
    group: str | None
    policy_version: str
    warn_at: datetime | None
    due_at: datetime | None
    elapsed_seconds: float
    target_seconds: float
    overdue: bool

    @property
    def percent(self) -> float:
        return round(100.0 * self.elapsed_seconds / self.target_seconds, 1)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            warn_at=instant_text(self.warn_at),
            due_at=instant_text(self.due_at),
            percent=self.percent,
        )
        return data


@dataclass(frozen=True, slots=True)
class LiveCounts:
    """Clocks still live at ``now``, by state, and how many are past target."""

    running: int
    paused: int
    overdue: int


@dataclass(frozen=True, slots=True)
class ComplianceFilter:
    """Which final clocks a compliance report counts (empty: no restriction).

    ``since``/``until`` bound when the clock stopped (``since`` inclusive,
    ``until`` exclusive), the same instant the ``period`` dimension groups by.
    """

    queue: str | None = None
    group: str | None = None
    priorities: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None

    def where(self, tables: SlaTables) -> list[ColumnElement[bool]]:
        c, t = tables.clocks.c, tables.tickets.c
        found: list[ColumnElement[bool]] = []
        if self.queue is not None:
            found.append(t.queue == self.queue)
        if self.group is not None:
            found.append(t.group_name == self.group)
        if self.priorities:
            found.append(c.priority.in_(self.priorities))
        if self.types:
            found.append(c.ticket_type.in_(self.types))
        if self.metrics:
            found.append(c.metric.in_(self.metrics))
        if self.since is not None:
            found.append(c.stopped_at >= self.since)
        if self.until is not None:
            found.append(c.stopped_at < self.until)
        return found


_DIMENSION_COLUMNS: Final = ("queue", "group", "priority", "type", "period")


def _grouped_clocks(
    conn: Connection,
    tables: SlaTables,
    wanted: tuple[str, ...],
    period: str,
    only: ComplianceFilter,
) -> Iterable[Any]:
    """Final clocks summed in the database per metric and wanted dimension keys.

    One ``GROUP BY`` over the finest grain the wanted dimensions need (say
    queue x priority x month x metric): a few thousand rows at most, which
    ``compliance`` rolls up per dimension, instead of every stopped clock.
    """
    c, t = tables.clocks.c, tables.tickets.c
    dialect = conn.dialect
    end = case((c.metric == "resolution", c.resolved_at), else_=c.stopped_at)
    wall = wall_microseconds(c.started_at, end, dialect)
    keys: dict[str, ColumnElement[Any]] = {
        "queue": func.coalesce(t.queue, NONE_KEY),
        "group": func.coalesce(t.group_name, NONE_KEY),
        "priority": c.priority,
        "type": c.ticket_type,
        "period": period_key(c.stopped_at, period, dialect),
    }
    grouped = [keys[d].label(d) for d in _DIMENSION_COLUMNS if d in wanted]
    query = (
        select(
            c.metric,
            *grouped,
            func.sum(case((c.state == "met", 1), else_=0)).label("met"),
            func.sum(case((c.state == "met", 0), else_=1)).label("breached"),
            func.sum(business_micros_sql(c.elapsed_seconds)).label("business"),
            func.sum(wall).label("wall_micros"),
            func.count(wall).label("walls"),
        )
        .join_from(tables.clocks, tables.tickets, c.ticket_id == t.ticket_id)
        .where(c.state.in_(("met", "breached")), *only.where(tables))
        .group_by(c.metric, *grouped)
    )
    return conn.execute(query)


def compliance(
    conn: Connection,
    tables: SlaTables,
    dimensions: Iterable[str] = DIMENSIONS,
    period: str = "month",
    only: ComplianceFilter | None = None,
    *,
    totals: bool = False,
) -> list[ComplianceRow]:
    """% met per metric by each dimension; periods by when the clock stopped (UTC).

    ``only`` restricts the clocks counted (queue, group, priority, type,
    metric, when they stopped). Counting happens in the database (see
    ``_grouped_clocks``); business and wall times are summed in whole
    microseconds. ``totals`` reads the projection's aggregates instead
    (``ticketing.queries.sla_totals``): the same rows, from a table of a few
    rows per period, for every filter. Leave it off for tables the
    projection did not write (hand-made rows have no aggregates).
    """
    wanted = tuple(dimensions)
    flt = only or ComplianceFilter()
    grouped: Iterable[Mapping[str, Any]]
    if totals:
        grouped = grouped_totals(
            conn, tables, wanted, period, flt, clock_groups=_clock_groups
        )
    else:
        grouped = _clock_groups(conn, tables, wanted, period, flt)
    return _rolled_up(wanted, grouped)


def _clock_groups(
    conn: Connection,
    tables: SlaTables,
    wanted: tuple[str, ...],
    period: str,
    only: ComplianceFilter,
) -> Iterable[Mapping[str, Any]]:
    return (r._mapping for r in _grouped_clocks(conn, tables, wanted, period, only))


def _rolled_up(
    wanted: tuple[str, ...], grouped: Iterable[Mapping[str, Any]]
) -> list[ComplianceRow]:
    sums: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for m in grouped:
        for dimension in wanted:
            key = "all" if dimension == "all" else str(m[dimension])
            acc = sums[dimension, key, m["metric"]]
            acc[0] += int(m["met"])
            acc[1] += int(m["breached"])
            acc[2] += int(m["business"])
            acc[3] += int(m["wall_micros"] or 0)
            acc[4] += int(m["walls"])
    rows = []
    for (dimension, key, metric), (
        met,
        breached,
        business_micros,
        wall_micros,
        walls,
    ) in sums.items():
        total = met + breached
        business = business_micros / 1_000_000
        wall = wall_micros / 1_000_000
        rows.append(
            ComplianceRow(
                dimension=dimension,
                key=key,
                metric=metric,
                met=int(met),
                breached=int(breached),
                mean_business_seconds=round(business / total, 3) if total else None,
                mean_wall_seconds=round(wall / walls, 3) if walls else None,
            )
        )
    order = {d: i for i, d in enumerate(DIMENSIONS)}
    rows.sort(key=lambda r: (order.get(r.dimension, 99), r.key, r.metric))
    return rows


def live_counts(
    conn: Connection, tables: SlaTables, now: datetime, *, totals: bool = False
) -> LiveCounts:
    """Running and paused clocks, and how many of them are past target at ``now``.

    ``totals`` reads the counts the projection keeps (``<prefix>_live``) and
    counts only the running clocks due by ``now``, on the ``(state, due_at)``
    index; otherwise every live clock is counted.
    """
    if totals:
        running, paused, overdue = live_from_totals(conn, tables, now)
        return LiveCounts(running=running, paused=paused, overdue=overdue)
    c = tables.clocks.c
    counts: dict[str, int] = {
        r[0]: int(r[1])
        for r in conn.execute(
            select(c.state, func.count())
            .where(c.state.in_(("running", "paused")))
            .group_by(c.state)
        )
    }
    overdue = conn.execute(
        select(func.count()).where(
            ((c.state == "running") & (c.due_at <= now))
            | ((c.state == "paused") & c.breached_at.is_not(None))
        )
    ).scalar_one()
    return LiveCounts(
        running=int(counts.get("running", 0)),
        paused=int(counts.get("paused", 0)),
        overdue=int(overdue),
    )


def at_risk(
    conn: Connection,
    tables: SlaTables,
    now: datetime,
    calendar_of: Callable[[Any], Calendar],
    *,
    limit: int = 100,
    min_percent: float | None = None,
    only: ComplianceFilter | None = None,
) -> list[AtRiskClock]:
    """Running clocks past their first threshold at ``now``, soonest due first.

    ``calendar_of(row)`` returns the calendar a clock row counts in (it depends
    on the ticket's policy, see ``ticketing.sla.reading``). With
    ``min_percent`` the bar is instead that share of the target elapsed at
    ``now`` (every running clock is measured; ``min_percent`` 0 lists them all).
    ``only`` restricts the clocks by queue, group, priority, type and metric
    (its date range is about stopped clocks, so it must not be set here).
    """
    if only is not None and (only.since or only.until):
        msg = "at-risk clocks are running: they have no stop to bound by date"
        raise ValueError(msg)
    c, t = tables.clocks.c, tables.tickets.c
    query = (
        select(tables.clocks, t.number, t.queue, t.group_name, t.policy_position)
        .join_from(tables.clocks, tables.tickets, c.ticket_id == t.ticket_id)
        .where(c.state == "running", *(only or ComplianceFilter()).where(tables))
        .order_by(c.due_at, c.ticket_id, c.metric, c.sequence)
    )
    if min_percent is None:
        query = query.where(c.warn_at <= now).limit(limit)
    result = conn.execution_options(yield_per=2000).execute(query)
    try:
        return _measured(result, now, calendar_of, limit, min_percent)
    finally:
        result.close()


def _measured(
    rows: Iterable[Any],
    now: datetime,
    calendar_of: Callable[[Any], Calendar],
    limit: int,
    min_percent: float | None,
) -> list[AtRiskClock]:
    found: list[AtRiskClock] = []
    for r in rows:
        since = business_time_between(calendar_of(r), r.measured_at, now)
        elapsed = r.elapsed_seconds + since.total_seconds()
        if min_percent is not None and elapsed < r.target_seconds * min_percent / 100:
            continue
        found.append(
            AtRiskClock(
                ticket_id=str(r.ticket_id),
                number=r.number,
                metric=r.metric,
                cycle=r.cycle,
                priority=r.priority,
                queue=r.queue,
                group=r.group_name,
                policy_version=r.policy_version,
                warn_at=r.warn_at,
                due_at=r.due_at,
                elapsed_seconds=round(elapsed, 3),
                target_seconds=r.target_seconds,
                overdue=r.due_at is not None and r.due_at <= now,
            )
        )
        if len(found) >= limit:
            break
    return found


def due_times(tables: SlaTables) -> Subquery:
    """Per ticket: the earliest due and warning instants of its running clocks.

    Columns ``ticket_id``, ``sla_due_at``, ``sla_warn_at``; join it to a queue
    view to order a backlog by due time or by risk.
    """
    c = tables.clocks.c
    return (
        select(
            c.ticket_id,
            func.min(c.due_at).label("sla_due_at"),
            func.min(c.warn_at).label("sla_warn_at"),
        )
        .where(c.state == "running")
        .group_by(c.ticket_id)
        .subquery("sla_due")
    )

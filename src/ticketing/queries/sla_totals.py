"""The SLA report from the projection's aggregates (``ticketing.sla.totals``).

``grouped_totals`` gives the same grouped sums as the full scan of the clocks
(``ticketing.queries.sla._grouped_clocks``), read from the totals table:

* no date range: the rows of one grain (the report's period, or the
  all-time rows when it does not group by period), every filter (queue,
  group, priority, type, metric) answered by the table's own columns;
* ``since``/``until``: the day rows of the whole UTC days in the range, plus
  the clocks that stopped in the partial days at its ends, read from the
  clocks table on its ``stopped_at`` index (at most two days of clocks).

``live_from_totals``: running and paused clocks from the live table; the
running clocks past their due time at ``now`` are counted on the clocks'
``(state, due_at)`` index, from whichever side (due or not yet due) is
smaller (``_running_due``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import func, select

from ticketing.sla.totals import period_of

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from sqlalchemy import ColumnElement
    from sqlalchemy.engine import Connection

    from ticketing.queries.sla import ComplianceFilter
    from ticketing.sla.tables import SlaTables

    ClockGroups = Callable[
        [Connection, SlaTables, tuple[str, ...], str, ComplianceFilter],
        Iterable[Mapping[str, Any]],
    ]

NONE_KEY: Final = "(none)"
_DIMENSION_COLUMNS: Final = ("queue", "group", "priority", "type", "period")


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _floor_day(moment: datetime) -> datetime:
    return _midnight(moment.astimezone(UTC).date())


def _ceil_day(moment: datetime) -> datetime:
    floor = _floor_day(moment)
    return floor if floor == moment else floor + timedelta(days=1)


def grouped_totals(
    conn: Connection,
    tables: SlaTables,
    wanted: tuple[str, ...],
    period: str,
    only: ComplianceFilter,
    *,
    clock_groups: ClockGroups,
) -> list[Mapping[str, Any]]:
    """Sums per metric and wanted dimension keys, as the clocks scan gives them
    (rows may repeat a key: the caller adds them up)."""
    since, until = only.since, only.until
    if since is None and until is None:
        grain = period if "period" in wanted else "all"
        return _read(conn, tables, wanted, grain=grain, period=period, only=only)
    first = None if since is None else _ceil_day(since)
    end = None if until is None else _floor_day(until)
    if first is not None and end is not None and first >= end:
        # no whole day inside: at most the two partial days, from the clocks
        return list(clock_groups(conn, tables, wanted, period, only))
    out = _read(
        conn, tables, wanted, grain="day", period=period, only=only, days=(first, end)
    )
    if since is not None and first is not None and since < first:
        edge = replace(only, since=since, until=first)
        out.extend(clock_groups(conn, tables, wanted, period, edge))
    if until is not None and end is not None and end < until:
        edge = replace(only, since=end, until=until)
        out.extend(clock_groups(conn, tables, wanted, period, edge))
    return out


def _read(
    conn: Connection,
    tables: SlaTables,
    wanted: tuple[str, ...],
    *,
    grain: str,
    period: str,
    only: ComplianceFilter,
    days: tuple[datetime | None, datetime | None] = (None, None),
) -> list[Mapping[str, Any]]:
    """Sums of the ``grain`` rows, days in ``[first, end)`` when given."""
    first, end = days
    t = tables.totals.c
    keys: dict[str, ColumnElement[Any]] = {
        "queue": func.coalesce(t.queue, NONE_KEY),
        "group": func.coalesce(t.group_name, NONE_KEY),
        "priority": t.priority,
        "type": t.ticket_type,
        "period": t.period,
    }
    grouped = [keys[d].label(d) for d in _DIMENSION_COLUMNS if d in wanted]
    where: list[ColumnElement[bool]] = [t.grain == grain]
    if first is not None:
        where.append(t.period >= first.date().isoformat())
    if end is not None:
        where.append(t.period < end.date().isoformat())
    if only.queue is not None:
        where.append(t.queue == only.queue)
    if only.group is not None:
        where.append(t.group_name == only.group)
    for values, column in (
        (only.priorities, t.priority),
        (only.types, t.ticket_type),
        (only.metrics, t.metric),
    ):
        if values:
            where.append(column.in_(values))
    query = (
        select(
            t.metric,
            *grouped,
            func.sum(t.met).label("met"),
            func.sum(t.breached).label("breached"),
            func.sum(t.business_micros).label("business"),
            func.sum(t.wall_micros).label("wall_micros"),
            func.sum(t.walls).label("walls"),
        )
        .where(*where)
        .group_by(t.metric, *grouped)
    )
    rows: list[Mapping[str, Any]] = []
    for r in conn.execute(query):
        row = dict(r._mapping)
        if grain != period and "period" in wanted:
            # day rows of a date range, reported by week or month
            day = date.fromisoformat(row["period"])
            row["period"] = period_of(_midnight(day), period)
        rows.append(row)
    return rows


def live_from_totals(
    conn: Connection, tables: SlaTables, now: datetime
) -> tuple[int, int, int]:
    """``(running, paused, overdue)`` at ``now`` from the live counts."""
    live = tables.live.c
    counts = {
        (state, int(breached)): int(clocks)
        for state, breached, clocks in conn.execute(
            select(live.state, live.breached, live.clocks)
        )
    }
    running = counts.get(("running", 0), 0)
    paused = counts.get(("paused", 0), 0) + counts.get(("paused", 1), 0)
    due = _running_due(conn, tables, now, running)
    return running, paused, due + counts.get(("paused", 1), 0)


def _running_due(
    conn: Connection, tables: SlaTables, now: datetime, running: int
) -> int:
    """Running clocks with ``due_at <= now``, counting the smaller side.

    Both sides are ranges of the ``(state, due_at)`` index. The clocks not yet
    due are counted first, stopping past half of the ``running`` total (kept
    exactly by the projection): if fewer, the answer is ``running`` minus
    them; otherwise the due ones (then at most half) are counted. Either way
    at most about ``running`` index entries, and about twice the smaller
    side: a healthy desk (few overdue) and an old backlog (few not yet due)
    are both cheap.
    """
    c = tables.clocks.c
    half = running // 2 + 1
    later = select(c.due_at).where(c.state == "running", c.due_at > now).limit(half)
    not_due = int(
        conn.execute(select(func.count()).select_from(later.subquery())).scalar_one()
    )
    if not_due < half:
        return running - not_due
    due = select(func.count()).where(c.state == "running", c.due_at <= now)
    return int(conn.execute(due).scalar_one())

"""The compliance report aggregated in SQL equals the per-clock Python fold it replaced.

``reference_compliance`` below is the former implementation, kept verbatim as
the specification: it streamed every stopped clock into Python. Hypothesis
generates clocks (metrics, states, queues and groups with NULLs, stop instants
across year and ISO-week boundaries, resolution clocks without a resolution
time) and checks both give the same rows, for every period, on SQLite and
PostgreSQL. Durations are whole seconds and elapsed times quarter seconds, so
the reference's float sums are exact whatever order rows come in.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import MetaData, create_engine, delete, select, text

from ticketing.queries.sla import (
    DIMENSIONS,
    NONE_KEY,
    PERIODS,
    ComplianceFilter,
    ComplianceRow,
    compliance,
)
from ticketing.sla.tables import define_sla_tables

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from sqlalchemy.engine import Connection, Engine

    from ticketing.sla.tables import SlaTables

pytestmark = pytest.mark.integration


# -- the former Python aggregation, the reference ------------------------------


def _period(moment: datetime, period: str) -> str:
    if period == "day":
        return moment.date().isoformat()
    if period == "week":
        year, week, _ = moment.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{moment.year}-{moment.month:02d}"


def _final_clocks(
    conn: Connection, tables: SlaTables, only: ComplianceFilter
) -> Iterable[Any]:
    c, t = tables.clocks.c, tables.tickets.c
    query = (
        select(
            c.metric,
            c.state,
            c.priority,
            c.ticket_type,
            c.started_at,
            c.stopped_at,
            c.resolved_at,
            c.elapsed_seconds,
            t.queue,
            t.group_name,
        )
        .join_from(tables.clocks, tables.tickets, c.ticket_id == t.ticket_id)
        .where(c.state.in_(("met", "breached")), *only.where(tables))
    )
    return conn.execution_options(yield_per=5000).execute(query)


def reference_compliance(
    conn: Connection,
    tables: SlaTables,
    dimensions: Iterable[str] = DIMENSIONS,
    period: str = "month",
    only: ComplianceFilter | None = None,
) -> list[ComplianceRow]:
    wanted = tuple(dimensions)
    sums: dict[tuple[str, str, str], list[float]] = defaultdict(
        lambda: [0, 0, 0.0, 0.0, 0]
    )
    for r in _final_clocks(conn, tables, only or ComplianceFilter()):
        end = r.resolved_at if r.metric == "resolution" else r.stopped_at
        wall = (end - r.started_at).total_seconds() if end is not None else None
        keys = {
            "all": "all",
            "queue": r.queue or NONE_KEY,
            "group": r.group_name or NONE_KEY,
            "priority": r.priority,
            "type": r.ticket_type,
            "period": _period(r.stopped_at, period),
        }
        for dimension in wanted:
            acc = sums[dimension, keys[dimension], r.metric]
            acc[0 if r.state == "met" else 1] += 1
            acc[2] += r.elapsed_seconds
            if wall is not None:
                acc[3] += wall
                acc[4] += 1
    rows = []
    for (dimension, key, metric), (
        met,
        breached,
        business,
        wall,
        walls,
    ) in sums.items():
        total = met + breached
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


# -- generated clocks ----------------------------------------------------------

#: Around a year end whose ISO week belongs to the next year (2024-12-30 is
#: in 2025-W01) and one whose first days belong to the previous (2027-01-01
#: is in 2026-W53).
_ORIGINS = (datetime(2024, 12, 20, tzinfo=UTC), datetime(2026, 12, 25, tzinfo=UTC))

instants = st.builds(
    lambda origin, seconds: origin + timedelta(seconds=seconds),
    st.sampled_from(_ORIGINS),
    st.integers(min_value=0, max_value=20 * 86400),
)
clock_rows = st.fixed_dictionaries(
    {
        "metric": st.sampled_from(("response", "resolution")),
        "state": st.sampled_from(("met", "breached", "running", "paused")),
        "priority": st.sampled_from(("P1", "P2", "P3")),
        "ticket_type": st.sampled_from(("incident", "request")),
        "started_at": instants,
        "stopped_after": st.integers(min_value=0, max_value=30 * 86400),
        "resolved_after": st.none() | st.integers(min_value=0, max_value=40 * 86400),
        "elapsed_quarters": st.integers(min_value=0, max_value=4 * 10**6),
    }
)
ticket_rows = st.fixed_dictionaries(
    {
        "queue": st.sampled_from((None, "desk", "network", "(none)")),
        "group_name": st.sampled_from((None, "l1", "l2")),
        "clocks": st.lists(clock_rows, min_size=1, max_size=4),
    }
)
dimension_sets = st.sampled_from(
    (DIMENSIONS, ("period",), ("queue", "period"), ("all", "group", "type"))
)
filters = st.sampled_from(
    (
        ComplianceFilter(),
        ComplianceFilter(queue="desk"),
        ComplianceFilter(priorities=("P1",), metrics=("resolution",)),
        ComplianceFilter(since=datetime(2025, 1, 1, tzinfo=UTC)),
    )
)


def _ticket_row(ticket_id: uuid.UUID, number: int, ticket: dict[str, Any]) -> Any:
    return {
        "ticket_id": ticket_id,
        "number": f"INC{number:07d}",
        "type": "incident",
        "priority": "P3",
        "queue": ticket["queue"],
        "group_name": ticket["group_name"],
        "opened_at": _ORIGINS[0],
        "policy_version": "v1",
        "policy_sha256": "0" * 64,
        "policy_position": None,
        "state": "{}",
        "provenance": "{}",
        "fired": "{}",
        "version": 1,
        "position": number,
    }


def _clock_row(ticket_id: uuid.UUID, sequence: int, clock: dict[str, Any]) -> Any:
    started = clock["started_at"]
    stopped = started + timedelta(seconds=clock["stopped_after"])
    resolved = (
        None
        if clock["resolved_after"] is None
        else started + timedelta(seconds=clock["resolved_after"])
    )
    return {
        "ticket_id": ticket_id,
        "metric": clock["metric"],
        "sequence": sequence,
        "cycle": 1,
        "state": clock["state"],
        "ticket_type": clock["ticket_type"],
        "priority": clock["priority"],
        "policy_version": "v1",
        "calendar_version": "c1",
        "target_seconds": 3600.0,
        "started_at": started,
        "stopped_at": stopped,
        "resolved_at": resolved,
        "measured_at": stopped,
        "elapsed_seconds": clock["elapsed_quarters"] / 4,
        "due_at": None,
        "breached_at": None,
        "warn_at": None,
        "next_due_at": None,
        "timers": "[]",
        "armed_at": started,
        "armed_kind": "start",
        "correlation_id": "c",
        "cause_position": 1,
        "cause_version": 1,
        "transitions": "[]",
    }


@pytest.fixture
def store(db_url: str) -> Iterator[tuple[Engine, SlaTables]]:
    engine = create_engine(db_url)
    tables = define_sla_tables(MetaData(), "cmp")
    with engine.begin() as conn:
        for table in tables.all():
            table.create(conn)
    try:
        yield engine, tables
    finally:
        engine.dispose()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    tickets=st.lists(ticket_rows, max_size=12),
    dimensions=dimension_sets,
    only=filters,
)
def test_sql_compliance_equals_the_python_fold(
    store: tuple[Engine, SlaTables],
    tickets: list[dict[str, Any]],
    dimensions: tuple[str, ...],
    only: ComplianceFilter,
) -> None:
    engine, tables = store
    with engine.begin() as conn:
        # given generated tickets and clocks (and, on PostgreSQL, a session
        # time zone far from UTC: periods are UTC whatever the session says)
        conn.execute(delete(tables.clocks))
        conn.execute(delete(tables.tickets))
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL TIME ZONE 'Pacific/Kiritimati'"))
        for number, ticket in enumerate(tickets, start=1):
            ticket_id = uuid.uuid4()
            conn.execute(
                tables.tickets.insert(), [_ticket_row(ticket_id, number, ticket)]
            )
            conn.execute(
                tables.clocks.insert(),
                [_clock_row(ticket_id, i, c) for i, c in enumerate(ticket["clocks"])],
            )
        for period in PERIODS:
            # when the report is computed both ways
            expected = reference_compliance(conn, tables, dimensions, period, only)
            found = compliance(conn, tables, dimensions, period, only)
            # then the rows are the same
            assert found == expected, period

"""Aggregates kept by the projections answer exactly as the full scans do.

For random command histories, caught up in random batch sizes with random
stops: the queue counts and the SLA report (compliance for every period and
a range of filters and date ranges, live counts at several instants) read
from the aggregate tables equal the same queries over the rows (the full-scan
reference path); the aggregate tables equal their recomputation from the
rows; a side-by-side rebuild reproduces them row for row and leaves the
digests unchanged; and a generation that lacks them (built before they
existed) gets them back, filled from its rows, when a host opens it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.databases import require_pg
from tests.support.projections import (
    T0,
    catch_up_all,
    fresh_database,
    live_digest,
    start_runtime,
)
from tests.support.strategies import Played, Step, command_sequences, run_steps
from ticketing.clock import SettableClock
from ticketing.projections.digest import canonical_rows
from ticketing.projections.queue_counts import count_rows
from ticketing.queries.queues import QueueFilter, queue_counts
from ticketing.queries.sla import (
    DIMENSIONS,
    PERIODS,
    ComplianceFilter,
    compliance,
    live_counts,
)
from ticketing.sla.totals import recompute
from ticketing.store.datastore import read_transaction

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.engine import Connection

    from ticketing.projections.manage import ProjectionHost
    from ticketing.sla.tables import SlaTables

batch_sizes = st.integers(min_value=1, max_value=25)
split_points = st.lists(st.integers(min_value=0, max_value=40), max_size=3)
#: Range ends: whole hours or odd minutes from midnight before T0 (histories
#: span hours to days), or none.
range_ends = st.none() | st.builds(
    lambda hours, minutes: T0.replace(hour=0) + timedelta(hours=hours, minutes=minutes),
    st.integers(min_value=0, max_value=96),
    st.sampled_from((0, 0, 17)),
)

QUEUE_FILTERS = (
    QueueFilter(),
    QueueFilter(states=()),
    QueueFilter(queue="network"),
    QueueFilter(queue="desk", priorities=("P2", "P3")),
    QueueFilter(group="l1", states=("new", "in_progress")),
    QueueFilter(types=("incident",), unassigned=True),
    QueueFilter(assignee="alice"),  # not in the counts: read from the tickets
)
SLA_FILTERS = (
    ComplianceFilter(),
    ComplianceFilter(queue="network"),
    ComplianceFilter(group="l2", metrics=("resolution",)),
    ComplianceFilter(priorities=("P1", "P2"), types=("incident", "problem")),
)
DIMENSION_SETS = (
    DIMENSIONS,
    ("all", "priority", "queue"),
    ("all", "priority", "period"),
    ("group", "type"),
)


def rows_of(conn: Connection, table: Table) -> list[dict[str, object]]:
    return list(canonical_rows(conn, table))


def check_queue_counts(conn: Connection, host: ProjectionHost) -> None:
    view = host.active_view(conn, "queue_view")
    tables = view.tables
    for flt in QUEUE_FILTERS:
        fast = queue_counts(conn, tables, flt)
        assert fast == queue_counts(conn, tables.tickets, flt), flt
    expected = {r["key"]: r for r in count_rows(conn, tables.tickets).as_dicts()}
    stored = {r["key"]: r for r in rows_of(conn, tables.counts)}
    assert stored == expected


def check_sla_report(
    conn: Connection, tables: SlaTables, since: datetime | None, until: datetime | None
) -> None:
    for flt in SLA_FILTERS:
        dated = ComplianceFilter(
            flt.queue, flt.group, flt.priorities, flt.types, flt.metrics, since, until
        )
        for only in (flt, dated):
            for dimensions in DIMENSION_SETS:
                for period in PERIODS:
                    args = (conn, tables, dimensions, period, only)
                    fast = compliance(*args, totals=True)
                    full = compliance(*args)
                    assert fast == full, (dimensions, period, only)
    for hours in (0, 5, 30, 200):
        now = T0 + timedelta(hours=hours)
        assert live_counts(conn, tables, now, totals=True) == live_counts(
            conn, tables, now
        )
    fresh = recompute(conn, tables.clocks, tables.tickets)
    totals = {r["key"]: r for r in fresh.totals.as_dicts()}
    live = {r["key"]: r for r in fresh.live.as_dicts()}
    assert {r["key"]: r for r in rows_of(conn, tables.totals)} == totals
    assert {r["key"]: r for r in rows_of(conn, tables.live)} == live


def aggregate_rows(host: ProjectionHost) -> dict[str, list[dict[str, object]]]:
    with read_transaction(host.engine) as conn:
        queue = host.active_view(conn, "queue_view").tables
        sla = host.active_view(conn, "sla").tables
        return {
            "counts": rows_of(conn, queue.counts),
            "totals": rows_of(conn, sla.totals),
            "live": rows_of(conn, sla.live),
        }


def check_aggregates(
    kind: str,
    steps: list[Step],
    batch: int,
    splits: list[int],
    window: tuple[datetime | None, datetime | None],
) -> None:
    since, until = window
    with fresh_database(kind) as url:
        clock = SettableClock(T0)
        runtime = start_runtime(url, clock)
        try:
            host = runtime.projections
            played = Played()
            previous = 0
            # given a history caught up piece by piece, in batches of ``batch``
            for cut in [*sorted({min(s, len(steps)) for s in splits}), len(steps)]:
                run_steps(runtime.service, clock, steps[previous:cut], played)
                catch_up_all(host, batch_size=batch)
                previous = cut

            # then the aggregates answer as the full scans do
            with read_transaction(host.engine) as conn:
                check_queue_counts(conn, host)
                sla: Any = host.active_view(conn, "sla").tables
                check_sla_report(conn, sla, since, until)
            kept = aggregate_rows(host)
            digests = {k: live_digest(host, k) for k in ("queue_view", "sla")}

            # and a side-by-side rebuild reproduces them, digests unchanged
            for key in ("queue_view", "sla"):
                host.rebuild(host.projections[key], batch_size=7)
                assert live_digest(host, key) == digests[key], key
            assert aggregate_rows(host) == kept
        finally:
            runtime.close()


@pytest.mark.property
@settings(max_examples=25, deadline=None)
@given(
    steps=command_sequences(min_size=8),
    batch=batch_sizes,
    splits=split_points,
    since=range_ends,
    until=range_ends,
)
def test_aggregates_answer_as_the_full_scans_in_memory(
    steps: list[Step],
    batch: int,
    splits: list[int],
    since: datetime | None,
    until: datetime | None,
) -> None:
    check_aggregates("memory", steps, batch, splits, (since, until))


@pytest.mark.property
@pytest.mark.integration
@settings(max_examples=8, deadline=None)
@given(
    steps=command_sequences(min_size=8),
    batch=batch_sizes,
    splits=split_points,
    since=range_ends,
    until=range_ends,
)
def test_aggregates_answer_as_the_full_scans_on_sqlite(
    steps: list[Step],
    batch: int,
    splits: list[int],
    since: datetime | None,
    until: datetime | None,
) -> None:
    check_aggregates("sqlite", steps, batch, splits, (since, until))


@pytest.fixture
def _pg_available() -> None:
    require_pg()


@pytest.mark.property
@pytest.mark.integration
@pytest.mark.postgres
@pytest.mark.usefixtures("_pg_available")
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    steps=command_sequences(min_size=8),
    batch=batch_sizes,
    splits=split_points,
    since=range_ends,
    until=range_ends,
)
def test_aggregates_answer_as_the_full_scans_on_postgres(
    steps: list[Step],
    batch: int,
    splits: list[int],
    since: datetime | None,
    until: datetime | None,
) -> None:
    check_aggregates("postgres", steps, batch, splits, (since, until))

"""The SLA and queue aggregates on a seeded desk history, SQLite and PostgreSQL.

80 tickets over ten days with a stricter policy half-way (as in
test_sla_rebuild): the report from the aggregates equals the full scan for
every dimension, period, filter and several date ranges (whole days, partial
days, one day); the aggregates survive rebuilds in other batch sizes; and a
generation built before the aggregate tables existed gets them, filled from
its rows, the next time a host opens it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import inspect, update

from tests.support.projections import catch_up_all
from tests.support.sla_desk import STRICT_P1, Desk, candidate, desk_runtime, utc
from tests.support.sla_history import HistorySpec, write_history
from ticketing.projections.digest import canonical_rows
from ticketing.projections.manage import ProjectionHost
from ticketing.projections.verify import verify_projection
from ticketing.queries.queues import QueueFilter, queue_counts
from ticketing.queries.sla import (
    DIMENSIONS,
    PERIODS,
    ComplianceFilter,
    compliance,
    live_counts,
)
from ticketing.sla.reading import live_projection
from ticketing.store.datastore import read_transaction, write_transaction

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from sqlalchemy.engine import Connection

pytestmark = pytest.mark.integration

SPEC = HistorySpec(
    tickets=80,
    seed=11,
    start=utc("2026-03-02 07:00"),
    days=10,
    horizon=utc("2026-03-13 12:00"),
)
RANGES = (
    (utc("2026-03-04 00:00"), utc("2026-03-09 00:00")),  # whole days
    (utc("2026-03-03 10:17"), utc("2026-03-10 15:45")),  # partial ends
    (utc("2026-03-05 08:00"), utc("2026-03-05 18:00")),  # inside one day
    (None, utc("2026-03-06 12:30")),
    (utc("2026-03-06 12:30"), None),
)


@pytest.fixture
def desk(db_url: str, tmp_path: Path) -> Iterator[Desk]:
    runtime, clock = desk_runtime(db_url, utc("2026-03-01 12:00"))
    d = Desk(runtime, clock)
    strict = candidate(tmp_path, "strict-v2", STRICT_P1)
    d.activate(utc("2026-03-01 12:00"), strict, utc("2026-03-06 00:00"))
    write_history(runtime.app, SPEC)
    clock.set(utc("2026-03-13 12:00"))
    yield d
    runtime.close()


def _aggregates(conn: Connection, host: ProjectionHost) -> dict[str, Any]:
    sla = host.active_view(conn, "sla").tables
    queue = host.active_view(conn, "queue_view").tables
    return {
        t.name.rsplit("_", 1)[-1]: list(canonical_rows(conn, t))
        for t in (sla.totals, sla.live, queue.counts)
    }


def test_the_report_from_the_aggregates_equals_the_full_scan(desk: Desk) -> None:
    # given the history projected
    catch_up_all(desk.runtime.projections)
    host = desk.runtime.projections
    with read_transaction(host.engine) as conn:
        tables = host.active_view(conn, "sla").tables
        assert _aggregates(conn, host)["totals"], "the history stops clocks"
        for since, until in ((None, None), *RANGES):
            for metrics in ((), ("response",)):
                only = ComplianceFilter(metrics=metrics, since=since, until=until)
                for period in PERIODS:
                    # when the report is read both ways, then the rows are equal
                    args = (conn, tables, DIMENSIONS, period, only)
                    assert compliance(*args, totals=True) == compliance(*args)
        for hours in (-300, 0, 48):
            now = utc("2026-03-13 12:00") + timedelta(hours=hours)
            fast = live_counts(conn, tables, now, totals=True)
            assert fast == live_counts(conn, tables, now)
        assert fast.running + fast.paused > 0
        queue = host.active_view(conn, "queue_view").tables
        for flt in (QueueFilter(), QueueFilter(states=()), QueueFilter(queue="desk")):
            assert queue_counts(conn, queue, flt) == queue_counts(
                conn, queue.tickets, flt
            )


def test_rebuilds_reproduce_the_aggregates(desk: Desk) -> None:
    catch_up_all(desk.runtime.projections)
    host = desk.runtime.projections
    with read_transaction(host.engine) as conn:
        before = _aggregates(conn, host)
    for batch in (1000, 13):
        host.rebuild(live_projection(host), batch_size=batch)
        host.rebuild(host.projections["queue_view"], batch_size=batch)
        with read_transaction(host.engine) as conn:
            assert _aggregates(conn, host) == before, batch


def test_a_generation_without_aggregates_gets_them_filled_from_its_rows(
    desk: Desk,
) -> None:
    # given generations caught up, then their aggregate tables dropped (a
    # database built by the code before the tables existed)
    catch_up_all(desk.runtime.projections)
    host = desk.runtime.projections
    for projection in host.projections.values():
        host.ensure_active(projection)
    with read_transaction(host.engine) as conn:
        before = _aggregates(conn, host)
        sla = host.active_view(conn, "sla").tables
        queue = host.active_view(conn, "queue_view").tables
    with write_transaction(host.engine) as conn:
        for table in (sla.totals, sla.live, queue.counts):
            table.drop(conn)
        assert sla.totals.name not in inspect(conn).get_table_names()

    # when a new host opens them
    reopened = ProjectionHost(host.source, host.projections, host.clock)
    for projection in reopened.projections.values():
        reopened.ensure_active(projection)

    # then the tables are back with the same rows
    with read_transaction(host.engine) as conn:
        assert _aggregates(conn, reopened) == before


def test_verify_projection_reports_an_aggregate_that_drifted(desk: Desk) -> None:
    # given both projections caught up and verified
    catch_up_all(desk.runtime.projections)
    host = desk.runtime.projections
    for key in ("queue_view", "sla"):
        assert verify_projection(host, host.projections[key]).matches, key

    # when one count and one total are altered behind the projections' back
    with write_transaction(host.engine) as conn:
        counts = host.active_view(conn, "queue_view").tables.counts
        totals = host.active_view(conn, "sla").tables.totals
        conn.execute(update(counts).values(tickets=counts.c.tickets + 1))
        conn.execute(update(totals).values(met=totals.c.met + 1))

    # then verify says DRIFT and names the aggregate tables, digests still equal
    for key, table in (("queue_view", "counts"), ("sla", "totals")):
        result = verify_projection(host, host.projections[key])
        assert not result.matches
        assert not result.aggregates_match
        assert result.live.sha256 == result.rebuilt.sha256
        assert {d.table for d in result.differences} == {table}

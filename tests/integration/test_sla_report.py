"""Compliance figures, MTTA/MTTR and at-risk clocks on a hand-computed history.

default-v1: P1 15m/4h around the clock; P3 4h/30h in NL office hours
(07:00-17:00 UTC in March 2026). "now" is Monday 2 March 2026 19:30 UTC.

| ticket | response            | resolution (business / wall)           |
| T1 P1  | 10m met             | 2h met / 2h                            |
| T2 P1  | 30m breached        | 5h breached / 5h                       |
| T3 P3  | 1h30m met           | 9h met / 29h (on hold overnight)       |
| T4 P3  | canceled (excluded) | canceled (excluded)                    |
| T5 P1  | running, overdue    | running, 3h30m of 4h: at risk          |
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.support.sla_desk import Desk, desk_runtime, utc
from ticketing.queries.sla import (
    ComplianceFilter,
    at_risk,
    compliance,
    live_counts,
)
from ticketing.sla.reading import active_view
from ticketing.store.datastore import read_transaction

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ticketing.queries.sla import ComplianceRow

pytestmark = pytest.mark.integration

NOW = utc("2026-03-02 19:30")


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    path = tmp_path_factory.mktemp("report") / "report.db"
    runtime, clock = desk_runtime(f"sqlite:///{path}", utc("2026-03-02 07:00"))
    d = Desk(runtime, clock)
    t1 = d.open(utc("2026-03-02 10:00"), "P1")
    t2 = d.open(utc("2026-03-02 10:00"), "P1")
    t3 = d.open(utc("2026-03-02 10:00"), "P3")
    d.route(utc("2026-03-02 10:01"), t1, "network", "net-l1")
    d.route(utc("2026-03-02 10:01"), t2, "desktop", "desk-l1")
    d.route(utc("2026-03-02 10:01"), t3, "network", "net-l2")
    d.reply(utc("2026-03-02 10:10"), t1)
    d.reply(utc("2026-03-02 10:30"), t2)
    t4 = d.open(utc("2026-03-02 11:00"), "P3")
    d.cancel(utc("2026-03-02 11:30"), t4)
    d.reply(utc("2026-03-02 11:30"), t3)
    d.resolve(utc("2026-03-02 12:00"), t1)
    d.close(utc("2026-03-02 13:00"), t1)
    d.hold(utc("2026-03-02 13:00"), t3)
    d.resolve(utc("2026-03-02 15:00"), t2)
    d.close(utc("2026-03-02 15:30"), t2)
    d.open(utc("2026-03-02 16:00"), "P1")
    d.resume(utc("2026-03-03 09:00"), t3)
    d.resolve(utc("2026-03-03 15:00"), t3)
    d.close(utc("2026-03-04 08:00"), t3)
    d.project()
    yield d
    runtime.close()


def figures(desk: Desk, dimension: str, period: str = "day") -> list[ComplianceRow]:
    with read_transaction(desk.runtime.engine) as conn:
        view = active_view(desk.runtime.projections, conn)
        return compliance(conn, view.tables, (dimension,), period)


def table(rows: list[ComplianceRow]) -> dict[tuple[str, str], tuple[int, int]]:
    return {(r.key, r.metric): (r.met, r.breached) for r in rows}


def test_overall_percent_met_and_mean_times(desk: Desk) -> None:
    rows = {r.metric: r for r in figures(desk, "all")}

    response, resolution = rows["response"], rows["resolution"]
    # T3 replied at 11:30 -> 1h30m; T1 10m; T2 30m
    assert (response.met, response.breached, response.percent_met) == (2, 1, 66.67)
    assert response.mean_business_seconds == (600 + 5400 + 1800) / 3
    assert response.mean_wall_seconds == (600 + 5400 + 1800) / 3
    assert (resolution.met, resolution.breached) == (2, 1)
    # MTTR: business 2h, 5h, 3h + 6h; wall 2h, 5h, Mon 10:00 -> Tue 15:00 = 29h
    assert resolution.mean_business_seconds == (7200 + 18000 + 32400) / 3
    assert resolution.mean_wall_seconds == (7200 + 18000 + 29 * 3600) / 3


def test_by_priority_queue_and_group(desk: Desk) -> None:
    assert table(figures(desk, "priority")) == {
        ("P1", "response"): (1, 1),
        ("P1", "resolution"): (1, 1),
        ("P3", "response"): (1, 0),
        ("P3", "resolution"): (1, 0),
    }
    assert table(figures(desk, "queue")) == {
        ("network", "response"): (2, 0),
        ("network", "resolution"): (2, 0),
        ("desktop", "response"): (0, 1),
        ("desktop", "resolution"): (0, 1),
    }
    assert table(figures(desk, "group"))[("net-l2", "resolution")] == (1, 0)
    assert table(figures(desk, "type")) == {
        ("incident", "response"): (2, 1),
        ("incident", "resolution"): (2, 1),
    }


def test_by_period_of_the_stop(desk: Desk) -> None:
    # resolution clocks stop at the close: T1 and T2 on Monday, T3 on Wednesday
    assert table(figures(desk, "period", "day")) == {
        ("2026-03-02", "response"): (2, 1),
        ("2026-03-02", "resolution"): (1, 1),
        ("2026-03-04", "resolution"): (1, 0),
    }
    assert table(figures(desk, "period", "week")) == {
        ("2026-W10", "response"): (2, 1),
        ("2026-W10", "resolution"): (2, 1),
    }
    assert set(table(figures(desk, "period", "month"))) == {
        ("2026-03", "response"),
        ("2026-03", "resolution"),
    }


def test_running_clocks_at_risk_ordered_by_due_time(desk: Desk) -> None:
    with read_transaction(desk.runtime.engine) as conn:
        view = active_view(desk.runtime.projections, conn)
        risky = at_risk(conn, view.tables, NOW, view.calendar_of)
        counts = live_counts(conn, view.tables, NOW)

    assert [(a.metric, a.due_at, a.overdue) for a in risky] == [
        ("response", utc("2026-03-02 16:15"), True),
        ("resolution", utc("2026-03-02 20:00"), False),
    ]
    # 3h30m elapsed at 19:30: 1400 % of 15m, 87.5 % of 4h
    assert [a.percent for a in risky] == [1400.0, 87.5]
    assert (counts.running, counts.paused, counts.overdue) == (2, 0, 1)


def test_nothing_is_at_risk_before_the_warning_threshold(desk: Desk) -> None:
    with read_transaction(desk.runtime.engine) as conn:
        view = active_view(desk.runtime.projections, conn)
        risky = at_risk(conn, view.tables, utc("2026-03-02 16:10"), view.calendar_of)

    assert [a.metric for a in risky] == []


def filtered(desk: Desk, only: ComplianceFilter) -> list[ComplianceRow]:
    with read_transaction(desk.runtime.engine) as conn:
        view = active_view(desk.runtime.projections, conn)
        return compliance(conn, view.tables, ("all",), "day", only)


def test_filters_restrict_the_clocks_counted(desk: Desk) -> None:
    network = filtered(desk, ComplianceFilter(queue="network"))
    p1_response = filtered(
        desk, ComplianceFilter(priorities=("P1",), metrics=("response",))
    )
    group = filtered(desk, ComplianceFilter(group="desk-l1"))
    nothing = filtered(desk, ComplianceFilter(types=("change",)))

    assert table(network) == {
        ("all", "response"): (2, 0),
        ("all", "resolution"): (2, 0),
    }
    assert table(p1_response) == {("all", "response"): (1, 1)}
    assert table(group) == {("all", "response"): (0, 1), ("all", "resolution"): (0, 1)}
    assert nothing == []


def test_date_range_bounds_when_the_clock_stopped(desk: Desk) -> None:
    # resolution clocks stop at the close: T1 13:00 and T2 15:30 Monday, T3 Wednesday
    monday_afternoon = ComplianceFilter(
        since=utc("2026-03-02 13:00"), until=utc("2026-03-02 15:30")
    )
    from_tuesday = ComplianceFilter(since=utc("2026-03-03 00:00"))

    assert table(filtered(desk, monday_afternoon)) == {("all", "resolution"): (1, 0)}
    assert table(filtered(desk, from_tuesday)) == {("all", "resolution"): (1, 0)}


def test_at_risk_by_a_share_of_the_target(desk: Desk) -> None:
    with read_transaction(desk.runtime.engine) as conn:
        view = active_view(desk.runtime.projections, conn)
        over_90 = at_risk(conn, view.tables, NOW, view.calendar_of, min_percent=90)
        over_50 = at_risk(conn, view.tables, NOW, view.calendar_of, min_percent=50)
        first = at_risk(
            conn, view.tables, NOW, view.calendar_of, min_percent=0, limit=1
        )

    assert [(a.metric, a.percent) for a in over_90] == [("response", 1400.0)]
    assert [(a.metric, a.percent) for a in over_50] == [
        ("response", 1400.0),
        ("resolution", 87.5),
    ]
    assert [a.metric for a in first] == ["response"]


def test_at_risk_filters_by_metric_and_queue(desk: Desk) -> None:
    with read_transaction(desk.runtime.engine) as conn:
        view = active_view(desk.runtime.projections, conn)
        resolution = at_risk(
            conn,
            view.tables,
            NOW,
            view.calendar_of,
            only=ComplianceFilter(metrics=("resolution",)),
        )
        elsewhere = at_risk(
            conn,
            view.tables,
            NOW,
            view.calendar_of,
            only=ComplianceFilter(queue="network"),
        )

    assert [(a.metric, a.percent) for a in resolution] == [("resolution", 87.5)]
    assert elsewhere == []  # T5 was never routed


def test_at_risk_refuses_a_date_range(desk: Desk) -> None:
    dated = ComplianceFilter(since=NOW)
    with read_transaction(desk.runtime.engine) as conn:
        view = active_view(desk.runtime.projections, conn)
        with pytest.raises(ValueError, match="no stop"):
            at_risk(conn, view.tables, NOW, view.calendar_of, only=dated)

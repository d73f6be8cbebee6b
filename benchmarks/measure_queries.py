"""(g) query latency at the largest scale of the curve: queue view and SLA report.

Called by the scale measure once its database holds the largest number of
tickets, both projections rebuilt: each query runs repeatedly from this
process, in its own read transaction, as ``ticketing queue list`` / ``queue
counts`` / ``sla report`` do.

The same queries on an existing database (projections already built)::

    python -m benchmarks.measure_queries --db sqlite:////path/to/db.sqlite \
        [--samples 100] [--sla-samples 100] [--full-scan]

prints one JSON line per query (p50, p99, samples). ``--full-scan`` reads
the rows instead of the aggregates the projections keep (queue counts from
the tickets table, the SLA report's compliance and live counts from the
clocks): the reference path, i.e. the figures before the aggregates. Before
measuring it opens both projections as a runner does, which fills the
aggregate tables of a generation built before they existed (timed, printed).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from benchmarks.bench_projections import T0
from benchmarks.results import Result, Target, percentile
from benchmarks.scale_child import SECONDS_PER_TICKET
from ticketing.cli.sla_render import ReportOptions, report_data
from ticketing.queries.queues import QueueFilter, list_queue, queue_counts
from ticketing.queries.sla import at_risk, compliance, live_counts
from ticketing.runtime import build_runtime
from ticketing.settings import Settings
from ticketing.sla.reading import active_view
from ticketing.store.datastore import read_transaction, snapshot_transaction

if TYPE_CHECKING:
    from collections.abc import Callable

    from benchmarks.context import Context
    from ticketing.runtime import Runtime

FULL_SCALE = 1_000_000
QUERY_TARGET = Target("at_most", 100.0, "p99 <= 100 ms at 1M tickets")
SLA_OPTIONS = ReportOptions(("all", "priority", "queue"), "month", 20)


def timed_ms(samples: int, call: Callable[[], object]) -> list[float]:
    """Latencies of ``samples`` calls; one warm-up call first unless few samples
    are asked for (the SLA report at 1M tickets takes tens of seconds a call)."""
    if samples >= 10:
        call()
    out = []
    for _ in range(samples):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


Case = tuple[str, "Callable[[], object]", bool]


def query_cases(
    runtime: Runtime, tickets: int, *, sla: bool = True, full_scan: bool = False
) -> list[Case]:
    """``(name, call, is_sla_report)`` of each (g) query; ``full_scan`` reads
    the rows instead of the projections' aggregates (the reference path)."""
    host = runtime.projections
    now = T0 + timedelta(seconds=SECONDS_PER_TICKET * tickets)

    def queue_page(flt: QueueFilter) -> Callable[[], object]:
        def call() -> object:
            with read_transaction(runtime.engine) as conn:
                view = host.active_view(conn, "queue_view")
                t = view.tables.tickets
                return list_queue(conn, t, view.generation.position, flt, limit=50)

        return call

    def counts() -> object:
        with read_transaction(runtime.engine) as conn:
            view = host.active_view(conn, "queue_view")
            source = view.tables.tickets if full_scan else view.tables
            return queue_counts(conn, source, QueueFilter())

    def sla_report() -> object:
        with snapshot_transaction(runtime.engine) as conn:
            view = active_view(host, conn)
            if not full_scan:
                return report_data(conn, view, now, SLA_OPTIONS)
            o = SLA_OPTIONS
            rows = compliance(conn, view.tables, o.dimensions, o.period)
            live = live_counts(conn, view.tables, now)
            risky = at_risk(conn, view.tables, now, view.calendar_of, limit=o.risk)
            return rows, live, risky

    cases: list[Case] = [
        (
            "queue list: open tickets by priority, first page of 50",
            queue_page(QueueFilter()),
            False,
        ),
        (
            "queue list: one queue, first page of 50",
            queue_page(QueueFilter(queue="network")),
            False,
        ),
        ("queue counts: open tickets per queue x state x priority", counts, False),
    ]
    if sla:
        cases.append(
            (
                "SLA report (compliance by all/priority/queue, live counts, at risk)",
                sla_report,
                True,
            )
        )
    return cases


def query_results(
    ctx: Context, backend: str, runtime: Runtime, tickets: int
) -> list[Result]:
    cases = query_cases(runtime, tickets, sla="sla" in ctx.plan.scale_projections)
    results = []
    for name, call, is_report in cases:
        samples = ctx.plan.sla_report_samples if is_report else ctx.plan.query_samples
        ctx.say(f"{tickets:,} tickets: {name}")
        ms = timed_ms(samples, call)
        p99 = percentile(ms, 99)
        results.append(
            Result(
                "queries",
                f"{name}, {tickets:,} tickets",
                backend,
                p99,
                "ms p99",
                target=QUERY_TARGET if tickets >= FULL_SCALE else None,
                note=f"p50 {statistics.median(ms):.1f} ms, n={len(ms)}",
                extra={
                    "tickets": tickets,
                    "p50_ms": statistics.median(ms),
                    "p99_ms": p99,
                    "samples": len(ms),
                },
            )
        )
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.measure_queries",
        description="(g) query latencies on an existing database.",
    )
    parser.add_argument("--db", required=True, help="database URL")
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--sla-samples", type=int, default=None)
    parser.add_argument("--full-scan", action="store_true")
    args = parser.parse_args(argv)
    runtime = build_runtime(Settings(db_url=args.db, snapshot_interval=0))
    try:
        host = runtime.projections
        started = time.perf_counter()
        for key in ("queue_view", "sla"):
            host.ensure_active(host.select([key])[0])
        opened = time.perf_counter() - started
        with read_transaction(runtime.engine) as conn:
            view = host.active_view(conn, "queue_view")
            t = view.tables.tickets
            tickets = int(
                conn.execute(select(func.count()).select_from(t)).scalar_one()
            )
        head = host.source.head()
        print(
            json.dumps({"tickets": tickets, "head": head, "open_s": round(opened, 2)})
        )
        sla_samples = args.sla_samples or args.samples
        for name, call, is_report in query_cases(
            runtime, tickets, full_scan=args.full_scan
        ):
            cpu_started = time.process_time()
            ms = timed_ms(sla_samples if is_report else args.samples, call)
            calls = len(ms) + (1 if len(ms) >= 10 else 0)  # timed_ms's warm-up
            cpu = (time.process_time() - cpu_started) * 1000 / calls
            line = {
                "query": name,
                "full_scan": args.full_scan,
                "p50_ms": round(statistics.median(ms), 2),
                "p99_ms": round(percentile(ms, 99), 2),
                "max_ms": round(max(ms), 2),
                "samples": len(ms),
                # this process's CPU per call (warm-up included): on a shared
                # machine, wall times also count waiting for a core
                "cpu_ms_per_call": round(cpu, 2),
            }
            print(json.dumps(line), flush=True)
    finally:
        runtime.close()


if __name__ == "__main__":
    main()

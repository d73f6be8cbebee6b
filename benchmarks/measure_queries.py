"""(g) query latency at the largest scale of the curve: queue view and SLA report.

Called by the scale measure once its database holds the largest number of
tickets, both projections rebuilt: each query runs repeatedly from this
process, in its own read transaction, as ``ticketing queue list`` / ``queue
counts`` / ``sla report`` do.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta
from typing import TYPE_CHECKING

from benchmarks.bench_projections import T0
from benchmarks.results import Result, Target, percentile
from benchmarks.scale_child import SECONDS_PER_TICKET
from ticketing.cli.sla_render import ReportOptions, report_data
from ticketing.queries.queues import QueueFilter, list_queue, queue_counts
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


def query_results(
    ctx: Context, backend: str, runtime: Runtime, tickets: int
) -> list[Result]:
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
            return queue_counts(conn, view.tables, QueueFilter())

    def sla_report() -> object:
        with snapshot_transaction(runtime.engine) as conn:
            return report_data(conn, active_view(host, conn), now, SLA_OPTIONS)

    cases: list[tuple[str, Callable[[], object], int]] = [
        (
            "queue list: open tickets by priority, first page of 50",
            queue_page(QueueFilter()),
            ctx.plan.query_samples,
        ),
        (
            "queue list: one queue, first page of 50",
            queue_page(QueueFilter(queue="network")),
            ctx.plan.query_samples,
        ),
        (
            "queue counts: open tickets per queue x state x priority",
            counts,
            ctx.plan.query_samples,
        ),
    ]
    if "sla" in ctx.plan.scale_projections:
        cases.append(
            (
                "SLA report (compliance by all/priority/queue, live counts, at risk)",
                sla_report,
                ctx.plan.sla_report_samples,
            )
        )
    results = []
    for name, call, samples in cases:
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

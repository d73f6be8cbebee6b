"""(f) the scale curve and (g) query latency at the largest scale.

One database per backend grows through the plan's scales (10k, 100k, 1M
tickets of ~10 events in ``--full``). At each scale, in child processes
(``benchmarks.scale_child``): the new tickets are written through the bulk
path (``app.save`` of 200 tickets per transaction), then each projection of
the plan is rebuilt from position 0; the child's peak resident memory is
the rebuild's own. After the largest scale, the queue view and the SLA
report are queried repeatedly from this process, as ``ticketing queue list``
/ ``queue counts`` / ``sla report`` do.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from benchmarks.bench_projections import T0
from benchmarks.databases import fresh_database
from benchmarks.results import Result, Target, percentile
from benchmarks.scale_child import SECONDS_PER_TICKET
from ticketing.cli.sla_render import ReportOptions, report_data
from ticketing.queries.queues import QueueFilter, list_queue, queue_counts
from ticketing.runtime import Runtime, build_runtime
from ticketing.settings import Settings
from ticketing.sla.reading import active_view
from ticketing.store.datastore import read_transaction, snapshot_transaction

if TYPE_CHECKING:
    from collections.abc import Callable

    from benchmarks.context import Context

FULL_SCALE = 1_000_000
TEN_MILLION_EVENTS_S = 180.0
REBUILD_10M_TARGET = Target("at_most", TEN_MILLION_EVENTS_S, "<= 180 s for ~10M events")
MEMORY_TARGET = Target("at_most", 1.10, "flat: peak <= 1.10x")
LINEAR_TARGET = Target("at_most", 1.25, "linear: us/event <= 1.25x")
#: the same bound read inside one rebuild: rate at the end >= 0.8x the start
WITHIN_TARGET = Target("at_least", 0.8, "linear: rate >= 0.8x")
QUERY_TARGET = Target("at_most", 100.0, "p99 <= 100 ms at 1M tickets")
SLA_OPTIONS = ReportOptions(("all", "priority", "queue"), "month", 20)


def child(ctx: Context, *args: str) -> dict[str, Any]:
    """Run ``benchmarks.scale_child`` with ``args``; its JSON result."""
    env = {**os.environ, "BENCH_SCALE_LOG": str(ctx.work_dir / "scale-children.jsonl")}
    out = subprocess.run(  # noqa: S603 - our own module, our own arguments
        [sys.executable, "-m", "benchmarks.scale_child", *args],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def scale_results(
    ctx: Context, backend: str, url: str, scales: tuple[int, ...]
) -> list[Result]:
    results: list[Result] = []
    done = 0
    curve: dict[str, list[Result]] = {key: [] for key in ctx.plan.scale_projections}
    for tickets in scales:
        ctx.say(f"writing tickets {done + 1:,}..{tickets:,}")
        gen = child(ctx, "generate", url, str(done + 1), str(tickets - done))
        ctx.say(
            f"{tickets:,} tickets: +{gen['events']:,} events in {gen['seconds']:.0f}s"
        )
        done = tickets
        for key in ctx.plan.scale_projections:
            ctx.say(f"{tickets:,} tickets: rebuild {key} (child process)")
            r = child(ctx, "rebuild", url, key)
            row = Result(
                "scale",
                f"rebuild {key}, {tickets:,} tickets",
                backend,
                r["seconds"],
                "s",
                target=REBUILD_10M_TARGET if tickets >= FULL_SCALE else None,
                note=(
                    f"{r['positions']:,} events, {r['positions'] / r['seconds']:,.0f}"
                    f" events/s, peak RSS {r['peak_rss_mb']:.0f} MB"
                ),
                extra={
                    "tickets": tickets,
                    "projection": key,
                    "events": r["positions"],
                    "applied": r["applied"],
                    "events_per_s": r["positions"] / r["seconds"],
                    "peak_rss_mb": r["peak_rss_mb"],
                    "rss_before_rebuild_mb": r["rss_before_mb"],
                    "first_tenth_per_s": r.get("first_tenth_per_s"),
                    "last_tenth_per_s": r.get("last_tenth_per_s"),
                    "generator": {
                        "events": gen["events"],
                        "seconds": gen["seconds"],
                        "peak_rss_mb": gen["peak_rss_mb"],
                    },
                },
            )
            curve[key].append(row)
            results.append(row)
    for key, rows in curve.items():
        results += shape_results(backend, key, rows)
    return results


def shape_results(backend: str, key: str, rows: list[Result]) -> list[Result]:
    """Memory and time-per-event growth between the two largest scales."""
    if len(rows) < 2:
        return []
    small, large = rows[-2], rows[-1]
    span = f"{small.extra['tickets']:,} -> {large.extra['tickets']:,} tickets"

    def us_per_event(r: Result) -> float:
        return 1e6 / float(r.extra["events_per_s"])

    within = []
    first, last = (
        large.extra.get("first_tenth_per_s"),
        large.extra.get("last_tenth_per_s"),
    )
    if first and last:
        within.append(
            Result(
                "scale",
                f"rebuild {key}: rate over the last tenth of the log / first tenth,"
                f" within the {large.extra['tickets']:,}-ticket rebuild",
                backend,
                last / first,
                "x",
                target=WITHIN_TARGET,
                note=f"{first:,.0f} -> {last:,.0f} events/s; same run, same load",
            )
        )
    return [
        *within,
        Result(
            "scale",
            f"rebuild {key}: peak memory growth, {span}",
            backend,
            large.extra["peak_rss_mb"] / small.extra["peak_rss_mb"],
            "x",
            target=MEMORY_TARGET,
            note=(
                f"{small.extra['peak_rss_mb']:.0f} MB -> "
                f"{large.extra['peak_rss_mb']:.0f} MB"
            ),
        ),
        Result(
            "scale",
            f"rebuild {key}: time per event growth, {span}",
            backend,
            us_per_event(large) / us_per_event(small),
            "x",
            target=LINEAR_TARGET,
            note=(f"{us_per_event(small):.1f} -> {us_per_event(large):.1f} us/event"),
        ),
    ]


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
            return queue_counts(conn, view.tables.tickets, QueueFilter())

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


def run(ctx: Context, backend: str) -> list[Result]:
    scales = ctx.plan.scales(backend)
    with fresh_database(backend, ctx.work_dir, ctx.pg_url) as url:
        results = scale_results(ctx, backend, url, scales)
        runtime = build_runtime(Settings(db_url=url, snapshot_interval=0))
        try:
            results += query_results(ctx, backend, runtime, scales[-1])
        finally:
            runtime.close()
    return results

"""(e) HTTP commands/s and p50/p99 at 1, 2 and 4 workers, next to the raw tx rate.

Reuses ``bench_http``: ``ticketing serve --workers N`` on loopback (SQLite:
projections in the workers; PostgreSQL: a separate projection runner), wrk
with 8 connections posting comments on random tickets (closed loop); in
``--full`` also a run paced at half the saturated rate. The raw figure is the
same database doing read + insert + commit with the driver alone, 8 threads.
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

from benchmarks import bench_http
from benchmarks.databases import fresh_database
from benchmarks.results import Result, SkippedError

if TYPE_CHECKING:
    from benchmarks.context import Context

CONNECTIONS = 8


def run(ctx: Context, backend: str) -> list[Result]:
    if shutil.which("wrk") is None:
        msg = "wrk is not installed (apt-get install wrk)"
        raise SkippedError(msg)
    plan = ctx.plan
    with fresh_database(backend, ctx.work_dir, ctx.pg_url) as url:
        ctx.say(f"raw transaction rate, {CONNECTIONS} threads")
        raw = bench_http.raw_rate(url, CONNECTIONS, plan.http_seconds)
    results = []
    for workers in plan.http_workers:
        with fresh_database(backend, ctx.work_dir, ctx.pg_url) as url:
            ctx.say(f"{workers} worker(s): seeding, then wrk for {plan.http_seconds}s")
            case = bench_http.bench_case(
                url,
                workers,
                tickets=plan.http_tickets,
                seconds=plan.http_seconds,
                connections=CONNECTIONS,
                half_load=plan.mode == "full",
            )
        saturated, half = case["saturated"], case["half"]
        extra = {
            "workers": workers,
            "p50_ms": saturated.p50_ms,
            "p99_ms": saturated.p99_ms,
            "requests": saturated.requests,
            "non_2xx_or_errors": saturated.errors,
            "failures": list(saturated.failures),
        }
        if half is not None:
            extra["half_load"] = {
                "rate": half.rps,
                "p50_ms": half.p50_ms,
                "p99_ms": half.p99_ms,
                "non_2xx_or_errors": half.errors,
            }
        results.append(
            Result(
                "http",
                f"POST comment, {workers} worker(s), {CONNECTIONS} connections",
                backend,
                saturated.rps,
                "commands/s",
                raw=raw,
                raw_what=f"read + insert + commit, driver only, {CONNECTIONS} threads",
                note=f"p50 {saturated.p50_ms:.1f} ms, p99 {saturated.p99_ms:.1f} ms",
                extra=extra,
            )
        )
    return results

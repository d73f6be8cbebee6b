"""(c) full rebuild of every projection next to the raw read rate of the log.

A synthetic log (``bench_projections.write_log``: ~10 events per incident, a
realistic life) is written in bulk; then, on the same database and driver, the
raw read (pages of 1,000 rows, rows only), read + decode, and a side-by-side
rebuild of each projection from position 0.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from benchmarks.bench_projections import (
    decode_rate,
    raw_read_rate,
    rebuild_rate,
    write_log,
)
from benchmarks.databases import fresh_database
from benchmarks.results import Result, Target
from ticketing.projections.catalogue import default_projections
from ticketing.runtime import build_runtime
from ticketing.settings import Settings

if TYPE_CHECKING:
    from benchmarks.context import Context

SQLITE_TARGET = Target("at_least", 100_000, ">= 100k events/s")
PG_TARGET = Target("ratio_at_least", 0.3, ">= 0.3x raw read")
RAW_WHAT = "read of the events table, pages of 1,000 rows, same driver"


def target_for(backend: str) -> Target:
    return SQLITE_TARGET if backend == "sqlite" else PG_TARGET


def run(ctx: Context, backend: str) -> list[Result]:
    with fresh_database(backend, ctx.work_dir, ctx.pg_url) as url:
        runtime = build_runtime(Settings(db_url=url, snapshot_interval=0))
        try:
            ctx.say(f"writing ~{ctx.plan.rebuild_events:,} events")
            started = time.perf_counter()
            events = write_log(runtime, ctx.plan.rebuild_events)
            written_s = time.perf_counter() - started
            ctx.say("raw read and read + decode")
            raw = raw_read_rate(runtime)
            decode = decode_rate(runtime)
            results = [
                Result(
                    "rebuild",
                    "read + decode only (no projection)",
                    backend,
                    decode,
                    "events/s",
                    raw=raw,
                    raw_what=RAW_WHAT,
                    note="the floor under every rebuild",
                    extra={"events": events, "write_events_per_s": events / written_s},
                )
            ]
            for key in default_projections():
                ctx.say(f"rebuild {key}")
                results.append(
                    Result(
                        "rebuild",
                        f"rebuild {key}",
                        backend,
                        rebuild_rate(runtime, key),
                        "events/s",
                        raw=raw,
                        raw_what=RAW_WHAT,
                        target=target_for(backend),
                        extra={"events": events},
                    )
                )
        finally:
            runtime.close()
    return results

"""(f) the scale curve, then (g) the queries at its largest scale (measure_queries).

One database per backend grows through the plan's scales (10k, 100k, 1M
tickets of ~10 events in ``--full``). At each scale, in child processes
(``benchmarks.scale_child``): the new tickets are written through the bulk
path (``app.save`` of 200 tickets per transaction), then each projection of
the plan is rebuilt from position 0; the child's peak resident memory is
the rebuild's own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any

from benchmarks.databases import fresh_database
from benchmarks.measure_queries import FULL_SCALE, query_results
from benchmarks.results import Result, Target
from ticketing.runtime import build_runtime
from ticketing.settings import Settings

if TYPE_CHECKING:
    from benchmarks.context import Context

TEN_MILLION_EVENTS_S = 180.0
REBUILD_10M_TARGET = Target("at_most", TEN_MILLION_EVENTS_S, "<= 180 s for ~10M events")
MEMORY_TARGET = Target("at_most", 1.10, "flat: peak <= 1.10x")
LINEAR_TARGET = Target("at_most", 1.25, "linear: us/event <= 1.25x")
#: the same bound read inside one rebuild: rate at the end >= 0.8x the start
WITHIN_TARGET = Target("at_least", 0.8, "linear: rate >= 0.8x")


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

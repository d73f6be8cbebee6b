"""Child process of the scale curve: generate tickets, or rebuild one projection.

Run in its own process so that its peak resident memory (``ru_maxrss``) is the
work's own, not the orchestrator's: a streaming rebuild keeps it flat however
long the log is; a rebuild holding the whole log in lists would grow with it.
Prints one JSON object on stdout.

    python -m benchmarks.scale_child generate URL FIRST COUNT
    python -m benchmarks.scale_child rebuild URL PROJECTION
"""

from __future__ import annotations

import json
import random
import resource
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.bench_projections import T0, Timeline, a_ticket
from ticketing.runtime import Runtime, build_runtime
from ticketing.settings import Settings

TICKETS_PER_TRANSACTION = 200
#: a ticket's ten events are 1-90 s apart: ~455 s of timeline per ticket
SECONDS_PER_TICKET = 455


def rss_mb() -> float:
    """Current resident set size of this process, in MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def generate(runtime: Runtime, first: int, count: int) -> dict[str, Any]:
    """Tickets ``first``..``first+count-1``, 200 per transaction, streamed."""
    rng = random.Random(first)
    timeline = Timeline(rng)
    timeline.at = T0 + timedelta(seconds=SECONDS_PER_TICKET * first)
    written = 0
    started = time.perf_counter()
    for start in range(first, first + count, TICKETS_PER_TRANSACTION):
        stop = min(start + TICKETS_PER_TRANSACTION, first + count)
        batch = [a_ticket(n, rng, timeline) for n in range(start, stop)]
        written += sum(len(t.pending_events) for t in batch)
        runtime.app.save(*batch)
    return {"events": written, "seconds": time.perf_counter() - started}


def rebuild(runtime: Runtime, key: str) -> dict[str, Any]:
    """Rebuild ``key`` side by side from position 0; the new generation stays live."""
    host = runtime.projections
    projection = host.select([key])[0]
    previous = host.ensure_active(projection)
    head = host.source.head()
    before = rss_mb()
    started = time.perf_counter()
    generation = host.rebuild(projection)
    seconds = time.perf_counter() - started
    host.drop_generation(projection, previous.generation)
    return {
        "positions": head,
        "applied": generation.events_processed,
        "seconds": seconds,
        "rss_before_mb": before,
    }


def main(argv: list[str]) -> None:
    command, url, *rest = argv
    runtime = build_runtime(Settings(db_url=url, snapshot_interval=0))
    try:
        if command == "generate":
            out = generate(runtime, int(rest[0]), int(rest[1]))
        elif command == "rebuild":
            out = rebuild(runtime, rest[0])
        else:
            msg = f"unknown command {command!r}"
            raise SystemExit(msg)
    finally:
        runtime.close()
    out["peak_rss_mb"] = peak_rss_mb()
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])

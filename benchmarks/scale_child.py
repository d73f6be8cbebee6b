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
import os
import random
import resource
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.bench_projections import T0, Timeline, a_ticket
from ticketing.runtime import Runtime, build_runtime
from ticketing.settings import Settings

if TYPE_CHECKING:
    from ticketing.projections.catchup import BatchDone

TICKETS_PER_TRANSACTION = 200
#: a ticket's ten events are 1-90 s apart: ~455 s of timeline per ticket
SECONDS_PER_TICKET = 455


def status_mb(field: str) -> float | None:
    """A memory line of /proc/self/status (``VmRSS``, ``VmHWM``) in MB (Linux)."""
    try:
        lines = Path("/proc/self/status").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return None


def rss_mb() -> float:
    """Current resident set size of this process, in MB."""
    return status_mb("VmRSS") or 0.0


def peak_rss_mb() -> float:
    """This process's own peak resident set size, in MB.

    ``VmHWM`` belongs to the address space exec created, so it is this
    program's peak alone. ``ru_maxrss`` is not: Linux carries the parent's
    peak across fork and exec, so a child of a large orchestrator would report
    the orchestrator's size (the fallback off Linux).
    """
    own = status_mb("VmHWM")
    if own is not None:
        return own
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
    tenths = Tenths(head)
    started = time.perf_counter()
    generation = host.rebuild(projection, on_batch=tenths.add)
    seconds = time.perf_counter() - started
    host.drop_generation(projection, previous.generation)
    return {
        "positions": head,
        "applied": generation.events_processed,
        "seconds": seconds,
        "rss_before_mb": before,
        **tenths.rates(),
    }


class Tenths:
    """Positions per second over the first and the last tenth of the log, in
    one rebuild: a rebuild whose cost per event grows with the size of its
    tables slows down towards the end, whatever the load on the machine."""

    def __init__(self, head: int) -> None:
        self.head = head
        self.last_position = 0
        self.first = [0, 0.0]  # positions, seconds
        self.last = [0, 0.0]

    def add(self, batch: BatchDone) -> None:
        positions = batch.position - self.last_position
        self.last_position = batch.position
        if batch.position <= self.head / 10:
            self.first[0] += positions
            self.first[1] += batch.seconds
        elif batch.position > self.head * 9 / 10:
            self.last[0] += positions
            self.last[1] += batch.seconds

    def rates(self) -> dict[str, float | None]:
        def rate(part: list[Any]) -> float | None:
            return part[0] / part[1] if part[1] else None

        return {
            "first_tenth_per_s": rate(self.first),
            "last_tenth_per_s": rate(self.last),
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
    line = json.dumps(out)
    sys.stdout.write(line + "\n")
    keep(argv, line)


def keep(argv: list[str], line: str) -> None:
    """Also append the result to ``$BENCH_SCALE_LOG`` (default: the suite's
    scratch directory), so a run stopped during a long step keeps the steps
    that finished."""
    default = Path(tempfile.gettempdir()) / "ticketing-bench" / "scale-children.jsonl"
    path = Path(os.environ.get("BENCH_SCALE_LOG") or default)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as log:
        log.write(json.dumps({"argv": argv[:1] + argv[2:], "result": line}) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])

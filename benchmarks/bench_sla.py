"""SLA benchmark: projection rebuild rate next to the queue view's, what-if end to end.

    python -m benchmarks.bench_sla --tickets 100000 --db /tmp/sla-bench.db

Writes a seeded history (office-hours arrivals, replies, holds, priority
changes, reopens; a stricter policy activated half-way) unless the database
already holds one, then rebuilds ``queue_view`` and ``sla`` alternately
(``--rounds`` times each, same process, same file) and runs a what-if of a
candidate policy over every ticket. Prints a Markdown table for
docs/benchmarks.md. Rates are log positions per second of wall time (the
rebuild reads the whole log); ``applied`` counts the events each projection
subscribes to.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from tests.support.sla_desk import STRICT_P1, Desk, candidate, desk_runtime
from tests.support.sla_history import HistorySpec, write_history
from ticketing.queries.sla import compliance
from ticketing.sla.reading import active_view
from ticketing.sla.whatif import run_whatif
from ticketing.store.datastore import read_transaction

if TYPE_CHECKING:
    from ticketing.clock import SettableClock
    from ticketing.runtime import Runtime

START = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)
LAX_P3_RESPONSE = {
    'response = { within = "4h", calendar = "nl-office-v1" }': (
        'response = { within = "8h", calendar = "nl-office-v1" }'
    )
}


@dataclass(frozen=True)
class Rebuild:
    key: str
    seconds: float
    cpu_seconds: float
    positions: int
    applied: int

    @property
    def rate(self) -> float:
        return self.positions / self.seconds


def prepare(path: Path, tickets: int, work: Path) -> tuple[Runtime, SettableClock, int]:
    """The runtime on ``path``; writes the history first if the log is empty."""
    days = max(20, tickets // 1500)
    runtime, clock = desk_runtime(f"sqlite:///{path}", START - timedelta(days=1))
    head = runtime.projections.source.head()
    if head:
        print(f"reusing {path}: {head} events", file=sys.stderr)
        return runtime, clock, head
    desk = Desk(runtime, clock)
    strict = candidate(work, "strict-v2", STRICT_P1)
    desk.activate(START - timedelta(days=1), strict, START + timedelta(days=days // 2))
    horizon = START + timedelta(days=days, hours=-6)
    spec = HistorySpec(
        tickets=tickets, seed=42, start=START, days=days, horizon=horizon
    )
    started = time.perf_counter()
    written = write_history(runtime.app, spec)
    seconds = time.perf_counter() - started
    print(f"wrote {written} events in {seconds:.1f}s", file=sys.stderr)
    return runtime, clock, runtime.projections.source.head()


def rebuild(runtime: Runtime, key: str, head: int) -> Rebuild:
    host = runtime.projections
    projection = host.select([key])[0]
    previous = host.ensure_active(projection)
    wall, cpu = time.perf_counter(), time.process_time()
    generation = host.rebuild(projection)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    host.drop_generation(projection, previous.generation)
    return Rebuild(key, wall, cpu, head, generation.events_processed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-sla-"))
    path = args.db or work / "sla.db"
    runtime, clock, head = prepare(path, args.tickets, work)
    now = START + timedelta(days=max(20, args.tickets // 1500))
    clock.set(now)

    results: list[Rebuild] = []
    for _ in range(args.rounds):
        for key in ("queue_view", "sla"):
            results.append(rebuild(runtime, key, head))
            r = results[-1]
            print(
                f"{key}: {r.rate:,.0f} positions/s ({r.seconds:.1f}s)", file=sys.stderr
            )

    lax = candidate(work, "lax-v3", LAX_P3_RESPONSE)
    started = time.perf_counter()
    result = run_whatif(runtime.projections, lax, now, ("all", "priority", "queue"))
    whatif_seconds = time.perf_counter() - started

    started = time.perf_counter()
    with read_transaction(runtime.engine) as conn:
        view = active_view(runtime.projections, conn)
        tickets = conn.execute(
            select(func.count()).select_from(view.tables.tickets)
        ).scalar_one()
        rows = compliance(conn, view.tables)
    report_seconds = time.perf_counter() - started
    runtime.close()

    best = {
        k: max(r.rate for r in results if r.key == k) for k in ("queue_view", "sla")
    }
    print(f"\nmachine: {platform.machine()}, {platform.python_version()}, SQLite file")
    print(f"log: {head:,} events, {tickets:,} tickets\n")
    print("| measurement | result |")
    print("| --- | --- |")
    for r in results:
        print(
            f"| rebuild `{r.key}` | {r.rate:,.0f} positions/s ({r.seconds:.1f} s wall, "
            f"{r.cpu_seconds:.1f} s CPU, {r.applied:,} events applied) |"
        )
    print(
        f"| SLA / queue view rate (best of {args.rounds}) | "
        f"{best['sla'] / best['queue_view']:.2f} |"
    )
    print(
        f"| what-if over {tickets:,} tickets, end to end | {whatif_seconds:.1f} s "
        f"(candidate built in {result.build_seconds:.1f} s; "
        f"{result.clocks_compared:,} clocks compared, {len(result.flips):,} flips) |"
    )
    print(
        f"| compliance report, all dimensions ({len(rows)} rows) | "
        f"{report_seconds:.1f} s |"
    )


if __name__ == "__main__":
    main()

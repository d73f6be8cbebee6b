"""Projection benchmark: rebuild rates next to the raw read rate, catch-up latency.

    python -m benchmarks.bench_projections [--events N] [--backend sqlite|postgres]
        [--pg URL] [--latency N] [--profile NAME]

For each backend: a synthetic log of about N events is written in bulk, then
in the same run we measure

- raw read: the events table read page by page through the same driver
  (SQLAlchemy Core over sqlite3 / psycopg2), rows only;
- read + decode: the same pages turned into domain events (what catch-up does
  before any projection code runs);
- rebuild: ``ProjectionHost.rebuild`` of the queue view and of the audit trail
  into a fresh generation (pages of 1000, rows + checkpoint per transaction);
- (PostgreSQL) catch-up latency: ``ticketing projections run`` as its own
  process (LISTEN-woken), a writer appends one command at a time, and we time
  from the command's commit to its row being visible in the queue view.

``--profile queue_view`` (or ``audit_trail``) prints where a rebuild spends
its time (cProfile, top functions by cumulative time).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select

from tests.support.databases import create_pg_schema, drop_pg_schema
from ticketing.aggregates.drafts import TicketDraft
from ticketing.aggregates.envelope import Actor, Envelope, EventContext
from ticketing.aggregates.ticket import Ticket
from ticketing.commands import messages as m
from ticketing.commands.service import CommandContext
from ticketing.policies.priority import load_priority_matrix
from ticketing.projections.manage import REBUILD_BATCH
from ticketing.runtime import Runtime, build_runtime
from ticketing.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

MATRIX = load_priority_matrix()
T0 = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
AGENTS = ("alice", "bob", "carol", "dave", "erin")
QUEUES = ("desk", "network", "apps", "access")
PAGE = 1000


@dataclass
class Figures:
    backend: str
    events: int
    raw_read: float = 0.0
    decode: float = 0.0
    rebuild: dict[str, float] | None = None
    latency_ms: tuple[float, float, int] | None = None


# -- a synthetic log, written in bulk ---------------------------------------


class Timeline:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.at = T0

    def next(self, actor: Actor) -> EventContext:
        self.at += timedelta(seconds=self.rng.randint(1, 90))
        command_id = str(uuid.UUID(int=self.rng.getrandbits(128)))
        envelope = Envelope(
            actor=actor, command_id=command_id, correlation_id=command_id
        )
        return EventContext(envelope=envelope, occurred_at=self.at)


def a_ticket(number: int, rng: random.Random, timeline: Timeline) -> Ticket:
    """One ticket with about ten events: a realistic life from open to close."""
    agent = Actor(id=rng.choice(AGENTS), role="agent", kind="human")
    draft = TicketDraft(
        number=f"INC{5_000_000 + number:07d}",
        type="incident",
        title=f"Synthetic ticket {number}",
        description="generated for the projection benchmark",
        impact=rng.randint(1, 3),
        urgency=rng.randint(1, 3),
        matrix=MATRIX,
        requester_id=f"user{rng.randint(1, 500)}",
        channel=rng.choice(("web", "phone", "email")),
        category=rng.choice(("network", "hardware", "software")),
    )
    ticket = Ticket.open(
        uuid.UUID(int=rng.getrandbits(128)), timeline.next(agent), draft
    )
    ticket.route(timeline.next(agent), rng.choice(QUEUES), "l1")
    ticket.assign(timeline.next(agent), agent.id, None)
    ticket.comment(timeline.next(agent), "looking into it", "public", "agent")
    ticket.put_on_hold(timeline.next(agent), "awaiting_caller", None)
    ticket.resume(timeline.next(agent), None)
    ticket.route(timeline.next(agent), rng.choice(QUEUES), "l2")
    ticket.escalate(timeline.next(agent), None, "taking long")
    if rng.random() < 0.8:
        ticket.resolve(timeline.next(agent), "fixed", "")
        if rng.random() < 0.7:
            ticket.close(timeline.next(agent), None)
    return ticket


def write_log(runtime: Runtime, events: int, seed: int = 1) -> int:
    """Append about ``events`` events, 200 tickets per transaction."""
    rng = random.Random(seed)
    timeline = Timeline(rng)
    number = 0
    written = 0
    while written < events:
        batch = []
        for _ in range(200):
            number += 1
            batch.append(a_ticket(number, rng, timeline))
        written += sum(len(t.pending_events) for t in batch)
        runtime.app.save(*batch)
    return written


# -- measurements ------------------------------------------------------------


def raw_read_rate(runtime: Runtime) -> float:
    """Rows/s reading the whole events table in pages, through the same driver."""
    t = runtime.recorder.table
    query = select(t).where(t.c.id > bindparam("after")).order_by(t.c.id).limit(PAGE)
    rows = 0
    started = time.perf_counter()
    with runtime.engine.connect() as conn:
        after = 0
        while page := conn.execute(query, {"after": after}).all():
            rows += len(page)
            after = page[-1].id
    return rows / (time.perf_counter() - started)


def decode_rate(runtime: Runtime) -> float:
    """Events/s for read + decode (rows -> domain events), no projection."""
    source = runtime.projections.source
    done = 0
    after = 0
    started = time.perf_counter()
    while rows := source.read_page(after, PAGE):
        done += len(source.decode(rows))
        after = rows[-1].id
    return done / (time.perf_counter() - started)


def rebuild_rate(
    runtime: Runtime, key: str, profile: bool = False, batch: int = REBUILD_BATCH
) -> float:
    """Events/s of a full side-by-side rebuild; the replaced generation is dropped."""
    host = runtime.projections
    projection = host.projections[key]
    previous = host.ensure_active(projection)
    head = host.source.head()
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    host.rebuild(projection, batch_size=batch)
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - started
    host.drop_generation(projection, previous.generation)
    if profiler:
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(35)
        stats.sort_stats("tottime").print_stats(25)
    return head / elapsed


def best(repeat: int, measure: Callable[[], float]) -> float:
    """The best of ``repeat`` runs: other load on the machine only slows runs down."""
    return max(measure() for _ in range(repeat))


def catch_up_latency(
    runtime: Runtime, url: str, appends: int
) -> tuple[float, float, int]:
    """ms from a command's commit to its row in the queue view (runner process)."""
    env = {**os.environ, "TICKETING_DB_URL": url}
    runner = subprocess.Popen(  # noqa: S603 - our own console script
        [
            str(Path(sys.executable).with_name("ticketing")),
            "projections",
            "run",
            "queue_view",
        ],
        env=env,
    )
    try:
        host = runtime.projections
        wait_for_position(runtime, host.source.head(), timeout=600)
        ctx = CommandContext(actor=Actor(id="bench", role="agent", kind="human"))
        samples = []
        for i in range(appends):
            result = runtime.service.execute(
                m.OpenTicket(
                    type="incident",
                    title=f"latency {i}",
                    impact=3,
                    urgency=3,
                    requester_id="bench",
                ),
                ctx,
            )
            committed = time.perf_counter()
            wait_for_position(runtime, result.position, timeout=10)
            samples.append((time.perf_counter() - committed) * 1000)
            time.sleep(random.uniform(0.005, 0.03))  # arrivals, not a burst
    finally:
        runner.terminate()
        runner.wait(timeout=30)
    samples.sort()
    return (
        statistics.median(samples),
        samples[max(0, int(len(samples) * 0.99) - 1)],
        len(samples),
    )


def wait_for_position(runtime: Runtime, position: int, timeout: float) -> None:
    """Poll the queue view's checkpoint (1 ms) until it reaches ``position``."""
    from ticketing.projections import registry  # noqa: PLC0415

    deadline = time.monotonic() + timeout
    with runtime.engine.connect() as conn:
        while True:
            gen = registry.get_active(conn, "queue_view")
            conn.rollback()
            if gen is not None and gen.position >= position:
                return
            if time.monotonic() > deadline:
                msg = f"queue_view did not reach {position}"
                raise TimeoutError(msg)
            time.sleep(0.001)


# -- driver --------------------------------------------------------------------


def databases(backends: list[str], pg_url: str | None) -> Iterator[tuple[str, str]]:
    for backend in backends:
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as directory:
                yield backend, f"sqlite:///{Path(directory) / 'bench.db'}"
        elif pg_url:
            yield backend, pg_url
        else:
            schema, url = create_pg_schema()
            try:
                yield backend, url
            finally:
                drop_pg_schema(schema)


def measure(runtime: Runtime, backend: str, url: str, args: Any) -> Figures:
    started = time.perf_counter()
    events = write_log(runtime, args.events)
    log(f"{backend}: wrote {events:,} events in {time.perf_counter() - started:.1f}s")
    n = args.repeat
    figures = Figures(backend, events)
    figures.raw_read = best(n, lambda: raw_read_rate(runtime))
    figures.decode = best(n, lambda: decode_rate(runtime))
    figures.rebuild = {
        key: best(
            n, partial(rebuild_rate, runtime, key, args.profile == key, args.batch)
        )
        for key in ("queue_view", "audit_trail")
    }
    if backend == "postgres" and args.latency:
        figures.latency_ms = catch_up_latency(runtime, url, args.latency)
    return figures


def run(args: argparse.Namespace) -> list[Figures]:
    results = []
    for backend, url in databases(args.backend, args.pg):
        runtime = build_runtime(Settings(db_url=url, snapshot_interval=0))
        try:
            figures = measure(runtime, backend, url, args)
        finally:
            runtime.close()
        results.append(figures)
        report([figures])
    return results


def log(message: str) -> None:
    sys.stderr.write(message + "\n")


def report(results: list[Figures]) -> None:
    out = sys.stdout
    for f in results:
        out.write(f"\n{f.backend}: {f.events:,} events\n")
        out.write(f"  raw read (rows/s)          {f.raw_read:>10,.0f}\n")
        out.write(f"  read + decode (events/s)   {f.decode:>10,.0f}\n")
        for key, rate in (f.rebuild or {}).items():
            ratio = rate / f.raw_read
            out.write(
                f"  rebuild {key:<12} (ev/s) {rate:>10,.0f}   {ratio:.2f}x raw read\n"
            )
        if f.latency_ms:
            p50, p99, n = f.latency_ms
            out.write(
                f"  catch-up latency (ms)      p50 {p50:.1f}  p99 {p99:.1f}  (n={n})\n"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument(
        "--backend", action="append", choices=("sqlite", "postgres"), default=None
    )
    parser.add_argument("--pg", help="PostgreSQL URL (default: a fresh test schema)")
    parser.add_argument("--latency", type=int, default=300, help="appends to time")
    parser.add_argument("--profile", choices=("queue_view", "audit_trail"))
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs")
    parser.add_argument("--batch", type=int, default=PAGE, help="rebuild batch size")
    args = parser.parse_args(argv)
    args.backend = args.backend or ["sqlite", "postgres"]
    run(args)


if __name__ == "__main__":
    main()

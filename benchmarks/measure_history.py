"""(d) ``ticketing history`` latency for tickets of 10, 100 and 1,000 events.

Each ticket is built in memory (open, then comments) and saved in one go, on a
store that takes a snapshot every 50 events (the default) and on one that
takes none. Timed: ``get_history`` (what ``ticketing history`` and
``GET /tickets/{ref}/history`` run once the runtime is open: read the
ticket's records, decode, fold with the field-level diff of every event,
check each hash) and, for comparison, ``get_ticket`` (current state, which
starts from the latest snapshot when there is one).
"""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from benchmarks.databases import fresh_database
from benchmarks.results import Result, Target, percentile
from ticketing.aggregates.drafts import TicketDraft
from ticketing.aggregates.envelope import Actor, Envelope, EventContext
from ticketing.aggregates.ticket import Ticket
from ticketing.aggregates.vocabulary import format_number
from ticketing.policies.priority import load_priority_matrix
from ticketing.queries.history import get_history
from ticketing.queries.tickets import get_ticket
from ticketing.runtime import Runtime, build_runtime
from ticketing.settings import DEFAULT_SNAPSHOT_INTERVAL, Settings

if TYPE_CHECKING:
    from collections.abc import Callable

    from benchmarks.context import Context

HISTORY_TARGET = Target("at_most", 10.0, "p99 <= 10 ms")
AGENT = Actor(id="bench", role="agent", kind="human")
T0 = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)


def long_ticket(number: int, events: int) -> Ticket:
    """A ticket of exactly ``events`` events: opened, then commented on."""

    def ctx(i: int) -> EventContext:
        command_id = f"h-{number}-{i}"
        envelope = Envelope(AGENT, command_id, correlation_id=command_id)
        return EventContext(envelope, T0 + timedelta(minutes=i))

    draft = TicketDraft(
        number=format_number("incident", number),
        type="incident",
        title=f"A long story ({events} events)",
        description="generated for the history benchmark",
        impact=2,
        urgency=2,
        matrix=load_priority_matrix(),
        requester_id="bob",
        channel="web",
    )
    ticket = Ticket.open(uuid.uuid4(), ctx(0), draft)
    for i in range(1, events):
        ticket.comment(ctx(i), f"update {i}: still looking into it", "public", "agent")
    return ticket


def samples_for(samples: int, size: int) -> int:
    """Fewer samples of the 1,000-event tickets: each can take a second on PG."""
    return samples if size <= 100 else max(3, samples // 4)


def latencies_ms(samples: int, call: Callable[[], object]) -> list[float]:
    call()  # warm-up: statement caches, page cache
    out = []
    for _ in range(samples):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def measure_store(
    ctx: Context, backend: str, runtime: Runtime, snapshots: str
) -> list[Result]:
    results = []
    for number, size in enumerate(ctx.plan.history_sizes, start=1):
        ticket = long_ticket(number, size)
        runtime.app.save_aggregate(ticket)
        ref = str(ticket.id)
        source = runtime.projections.source
        for what, call in (
            ("history", partial(get_history, runtime.service, source, ref)),
            ("current state", partial(get_ticket, runtime.service, ref)),
        ):
            ctx.say(f"{what}, {size} events, {snapshots}")
            samples = latencies_ms(samples_for(ctx.plan.history_samples, size), call)
            p99 = percentile(samples, 99)
            results.append(
                Result(
                    "history",
                    f"{what}, ticket of {size:,} events, {snapshots}",
                    backend,
                    p99,
                    "ms p99",
                    target=HISTORY_TARGET
                    if what == "history" and size == 100
                    else None,
                    extra={
                        "events": size,
                        "p50_ms": statistics.median(samples),
                        "p99_ms": p99,
                        "samples": len(samples),
                        "snapshots": snapshots,
                    },
                )
            )
    return results


def run(ctx: Context, backend: str) -> list[Result]:
    results = []
    for interval in (DEFAULT_SNAPSHOT_INTERVAL, 0):
        snapshots = f"snapshot every {interval}" if interval else "no snapshots"
        with fresh_database(backend, ctx.work_dir, ctx.pg_url) as url:
            runtime = build_runtime(Settings(db_url=url, snapshot_interval=interval))
            try:
                results += measure_store(ctx, backend, runtime, snapshots)
            finally:
                runtime.close()
    return results

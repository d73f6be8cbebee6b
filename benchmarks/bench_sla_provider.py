"""Cost of the rules engine's SLA provider: percent() and reaches() per call.

    python -m benchmarks.bench_sla_provider --tickets 500 --holds 3 [--db URL]

Opens ``--tickets`` tickets on a fresh SQLite file (or the database given),
each put on hold and resumed ``--holds`` times (so 2 + 2*holds events), then
times ``reaches(ticket, 80)`` and ``percent(ticket, now)`` for every ticket,
first with a fresh provider (the policy of each ticket still to be chosen),
then again with the same one (policies remembered). Every call reads the
ticket's events from the store and folds them: that is the figure.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ticketing.aggregates.envelope import Actor
from ticketing.clock import SettableClock
from ticketing.commands import messages as m
from ticketing.commands.service import CommandContext
from ticketing.runtime import build_runtime
from ticketing.settings import Settings
from ticketing.sla.provider import LogSlaProvider

PERSON = CommandContext(actor=Actor(id="alice", role="agent", kind="human"))
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=500)
    parser.add_argument("--holds", type=int, default=3)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-sla-provider-"))
    url = args.db or f"sqlite:///{folder / 'bench.db'}"
    clock = SettableClock(START)
    runtime = build_runtime(Settings(db_url=url), clock)
    runtime.recorder.wall_clock = clock
    service = runtime.service
    tickets = []
    for i in range(args.tickets):
        clock.advance(timedelta(seconds=30))
        opened = m.OpenTicket(
            type="incident",
            title=f"ticket {i}",
            impact=1 + i % 3,
            urgency=1 + i % 3,
            requester_id="u-1",
        )
        ticket_id = service.execute(opened, PERSON).aggregate_id
        for _ in range(args.holds):
            clock.advance(timedelta(minutes=1))
            hold = m.PutOnHold(ticket_id=ticket_id, reason="awaiting_caller")
            service.execute(hold, PERSON)
            clock.advance(timedelta(minutes=1))
            service.execute(m.ResumeTicket(ticket_id=ticket_id), PERSON)
        tickets.append(ticket_id)
    provider = LogSlaProvider(runtime.projections.source)
    now = clock.now()
    for label in ("cold (policy chosen per ticket)", "warm (policies remembered)"):
        started = time.perf_counter()
        for ticket_id in tickets:
            provider.reaches(ticket_id, 80.0)
        reaches = time.perf_counter() - started
        started = time.perf_counter()
        for ticket_id in tickets:
            provider.percent(ticket_id, now)
        percent = time.perf_counter() - started
        n = len(tickets)
        print(
            f"{label}: reaches {n / reaches:,.0f}/s ({1000 * reaches / n:.2f} ms), "
            f"percent {n / percent:,.0f}/s ({1000 * percent / n:.2f} ms); "
            f"{2 + 2 * args.holds} events per ticket, {runtime.engine.dialect.name}"
        )
    runtime.close()


if __name__ == "__main__":
    main()

"""Ticket core benchmark: commands and bulk append next to the raw driver limits.

(a) commands/s for open -> route -> assign -> comment -> resolve, one command
    per transaction through TicketService (load, decide, append with hash chain,
    write lock and idempotency record), next to the same work done with the
    driver alone: select the ticket's rows, insert one row, commit.
(b) events/s for the bulk path (build many tickets in memory, ``app.save(*batch)``
    in one transaction per batch, as an import would), next to executemany
    (SQLite) / COPY (PostgreSQL) of the same rows, one transaction per batch.

Same database server, same driver, same durability settings on both sides.
Results and the exact command lines are in docs/benchmarks.md.

    .venv/bin/python -m benchmarks.bench_commands --backend all
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import sqlite3
import statistics
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy

from benchmarks.raw_driver import RawPostgres, RawSQLite, RawStore, Row, timed
from ticketing.aggregates.drafts import TicketDraft
from ticketing.aggregates.envelope import Actor, Envelope, EventContext
from ticketing.aggregates.ticket import Ticket
from ticketing.aggregates.vocabulary import format_number
from ticketing.clock import SystemClock
from ticketing.commands import messages as m
from ticketing.commands.service import CommandContext
from ticketing.policies.priority import load_priority_matrix
from ticketing.runtime import Runtime, build_runtime
from ticketing.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

PG_URL = os.environ.get(
    "TICKETING_BENCH_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)
AGENT = Actor(id="bench", role="agent", kind="human")
AS_AGENT = CommandContext(actor=AGENT)
EVENTS_PER_TICKET = 5


# -- databases -------------------------------------------------------------------


@contextmanager
def databases(
    backend: str, pg_url: str = PG_URL
) -> Iterator[tuple[str, Callable[[], RawStore]]]:
    """(SQLAlchemy URL for the app, factory of the raw store), both fresh."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
            app_url = f"sqlite:///{Path(tmp) / 'app.db'}"
            yield app_url, lambda: RawSQLite(str(Path(tmp) / "raw.db"))
        return
    engine = sqlalchemy.create_engine(pg_url)
    schemas = [f"bench_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    with engine.begin() as conn:
        for schema in schemas:
            conn.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
    dsn = pg_url.replace("postgresql+psycopg2://", "postgresql://")
    try:
        yield (
            f"{pg_url}?options=-csearch_path%3D{schemas[0]}",
            lambda: RawPostgres(dsn, schemas[1]),
        )
    finally:
        with engine.begin() as conn:
            for schema in schemas:
                conn.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


# -- (a) commands ------------------------------------------------------------------


def ticket_workflow(runtime: Runtime, count: int) -> None:
    execute = runtime.service.execute
    for _ in range(count):
        tid = execute(
            m.OpenTicket(
                type="incident",
                title="Printer on fire",
                impact=2,
                urgency=2,
                requester_id="bob",
                description="Third floor, near the lifts",
            ),
            AS_AGENT,
        ).ticket_id
        execute(m.RouteTicket(ticket_id=tid, queue="service-desk"), AS_AGENT)
        execute(m.AssignTicket(ticket_id=tid, agent_id="alice"), AS_AGENT)
        execute(
            m.AddComment(ticket_id=tid, body="On my way with a fire extinguisher"),
            AS_AGENT,
        )
        execute(
            m.ResolveTicket(
                ticket_id=tid, resolution_code="fixed", notes="Toner replaced"
            ),
            AS_AGENT,
        )


def log_rows(runtime: Runtime, after: int) -> list[Row]:
    records = runtime.recorder.select_log(after, 10**9)
    return [
        (
            uuid.UUID(str(r.originator_id)).bytes,
            r.originator_version,
            r.topic,
            r.state,
            r.recorded_at,
            r.prev_hash,
            r.hash,
        )
        for r in records
    ]


def raw_commands(raw: RawStore, rows: Sequence[Row]) -> None:
    for row in rows:
        raw.command(row)


# -- (b) bulk ------------------------------------------------------------------------


def build_tickets(count: int, start: int) -> list[Ticket]:
    """``count`` tickets with EVENTS_PER_TICKET events each, built in memory."""
    matrix = load_priority_matrix()
    at = datetime(2020, 1, 1, tzinfo=UTC)
    tickets = []
    for i in range(start, start + count):
        envelope = Envelope(
            actor=AGENT, command_id=f"import-{i}", correlation_id="bulk"
        )

        def ctx(minutes: int, envelope: Envelope = envelope) -> EventContext:
            return EventContext(envelope, at + timedelta(minutes=minutes))

        draft = TicketDraft(
            number=format_number("incident", i + 1),
            type="incident",
            title="Printer on fire",
            description="Third floor, near the lifts",
            impact=2,
            urgency=2,
            matrix=matrix,
            requester_id="bob",
            channel="import",
        )
        t = Ticket.open(uuid.uuid4(), ctx(0), draft)
        t.route(ctx(1), "service-desk", None)
        t.assign(ctx(2), "alice", None)
        t.comment(ctx(3), "On my way with a fire extinguisher", "public", "agent")
        t.resolve(ctx(4), "fixed", "Toner replaced")
        tickets.append(t)
    return tickets


def save_in_batches(runtime: Runtime, tickets: Sequence[Ticket], batch: int) -> None:
    for i in range(0, len(tickets), batch):
        runtime.app.save(*tickets[i : i + batch])


def raw_bulk(raw: RawStore, rows: Sequence[Row], batch_rows: int) -> None:
    for i in range(0, len(rows), batch_rows):
        raw.bulk(rows[i : i + batch_rows])


# -- driver ----------------------------------------------------------------------


def fresh_rows(rows: Sequence[Row]) -> list[Row]:
    """The same rows (same sizes) under new ids, so they can be inserted again."""
    ids: dict[bytes, bytes] = {}
    return [(ids.setdefault(r[0], uuid.uuid4().bytes), *r[1:]) for r in rows]


@dataclass
class Series:
    """Per-round figures of one comparison: ours, raw, and our CPU time."""

    ours: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    cpu_us: list[float] = field(default_factory=list)

    def add(self, count: int, ours_s: float, raw_s: float, cpu_s: float) -> None:
        self.ours.append(count / ours_s)
        self.raw.append(count / raw_s)
        self.cpu_us.append(cpu_s / count * 1e6)

    def ratios(self) -> list[float]:
        return [o / r for o, r in zip(self.ours, self.raw, strict=True)]


def run_timed(fn: Callable[..., None], *args: object) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) for ``fn(*args)``."""
    cpu = time.process_time()
    wall = timed(fn, *args)
    return wall, time.process_time() - cpu


def measure(
    backend: str,
    *,
    tickets: int = 100,
    bulk_tickets: int = 2000,
    batch: int = 500,
    repeat: int = 5,
    profile: str | None = None,
    pg_url: str = PG_URL,
) -> dict[str, Series]:
    """Rounds alternate ours and raw, so load from elsewhere hits both alike."""
    commands, bulk = Series(), Series()
    with databases(backend, pg_url) as (app_url, new_raw):
        runtime = build_runtime(Settings(db_url=app_url), clock=SystemClock())
        raw = new_raw()
        try:
            ticket_workflow(runtime, 5)  # warm-up: connections, caches
            raw_commands(raw, fresh_rows(log_rows(runtime, 0)))
            for round_ in range(repeat):
                head = runtime.recorder.max_notification_id() or 0
                with profiled(profile, f"{backend}-commands-{round_}"):
                    wall, cpu = run_timed(ticket_workflow, runtime, tickets)
                rows = fresh_rows(log_rows(runtime, head))
                commands.add(len(rows), wall, timed(raw_commands, raw, rows), cpu)

                head = runtime.recorder.max_notification_id() or 0
                built = build_tickets(bulk_tickets, start=round_ * bulk_tickets)
                with profiled(profile, f"{backend}-bulk-{round_}"):
                    wall, cpu = run_timed(save_in_batches, runtime, built, batch)
                rows = fresh_rows(log_rows(runtime, head))
                raw_s = timed(raw_bulk, raw, rows, batch * EVENTS_PER_TICKET)
                bulk.add(len(rows), wall, raw_s, cpu)
        finally:
            raw.close()
            runtime.close()
    return {"commands": commands, "bulk": bulk}


@contextmanager
def profiled(directory: str | None, name: str) -> Iterator[None]:
    """cProfile the block into ``directory``/``name``.prof (no-op without one)."""
    if not directory:
        yield
        return
    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        out = Path(directory) / f"{name}.prof"
        out.parent.mkdir(parents=True, exist_ok=True)
        profile.dump_stats(str(out))
        pstats.Stats(str(out)).sort_stats("cumulative").print_stats(25)


TARGETS = {"commands": 0.8, "bulk": 0.3}
UNITS = {"commands": "commands/s", "bulk": "events/s"}


def report(backend: str, results: dict[str, Series]) -> None:
    med = statistics.median
    for what, series in results.items():
        ratios = series.ratios()
        verdict = "ok" if med(ratios) >= TARGETS[what] else "MISSED"
        print(
            f"| {backend} | {what} | {med(series.ours):,.0f} {UNITS[what]} "
            f"| {med(series.raw):,.0f} | {med(ratios):.2f} "
            f"({min(ratios):.2f}-{max(ratios):.2f}) | {TARGETS[what]} {verdict} "
            f"| {med(series.cpu_us):,.0f} us |"
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    add = parser.add_argument
    add("--backend", choices=["sqlite", "postgres", "all"], default="all")
    add("--tickets", type=int, default=100, help="workflow tickets per round (x5)")
    add("--bulk-tickets", type=int, default=2000, help="bulk tickets per round (x5)")
    add("--batch", type=int, default=500, help="tickets per bulk transaction")
    add("--repeat", type=int, default=5, help="rounds; medians are reported")
    add("--profile", help="directory for cProfile output (slows everything)")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgres"] if args.backend == "all" else [args.backend]
    print(
        f"# {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(f"# {vars(args)}")
    print(
        "| backend | workload | ticketing | raw driver | ratio (min-max) "
        "| target | our CPU per item |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for backend in backends:
        results = measure(
            backend,
            tickets=args.tickets,
            bulk_tickets=args.bulk_tickets,
            batch=args.batch,
            repeat=args.repeat,
            profile=args.profile,
        )
        report(backend, results)
    print(f"# load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

"""Hash chain overhead on append, and verify / export / import throughput.

Compares the production recorder with a subclass whose only difference is that
the hash step is replaced by a constant (same lock, head read, row shape and
transaction per append), on SQLite and PostgreSQL. Rounds alternate between the
two stores so that drift (disk cache, WAL growth) hits both alike.

    .venv/bin/python -m benchmarks.bench_chain [--appends 400] [--rounds 7]
        [--batch 100] [--fill 20000] [--pg-url URL] [--skip-pg]

Prints a Markdown table (the figures in docs/benchmarks.md come from it).
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy
from eventsourcing.persistence import StoredEvent

from ticketing.aggregates.envelope import Actor
from ticketing.clock import SystemClock
from ticketing.commands import messages as m
from ticketing.commands.application import TicketingApplication
from ticketing.commands.service import CommandContext, TicketService
from ticketing.policies.priority import load_priority_matrix
from ticketing.store.chain import GENESIS_HASH, event_hash
from ticketing.store.factory import TicketingFactory
from ticketing.store.indexes import create_index_tables
from ticketing.store.log_export import export_log
from ticketing.store.log_import import import_event_log
from ticketing.store.recorder import TicketingRecorder
from ticketing.store.verify import verify_log

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from eventsourcing.persistence import InfrastructureFactory
    from eventsourcing.utils import Environment

    from ticketing.store.records import NewRecord

PG_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
ACTOR = Actor(id="bench", role="agent", kind="human")
#: A realistic payload: a CommentAdded-sized JSON object (~600 bytes); every
#: event gets its own command id, as the service would write it.
STATE_TEMPLATE = (
    b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-03-02T09:00:00+00:00"},'
    b'"meta":{"_type_":"envelope","_data_":{"actor_id":"alice","actor_role":"agent",'
    b'"actor_kind":"human","command_id":"%(command_id)s",'
    b'"correlation_id":"6e3e2899-5e15-45fc-9a2f-f1d83b8e8474","causation_id":null,'
    b'"rule_id":null,"rule_set_version":null,"command_name":"add_comment",'
    b'"command_fingerprint":"911e1c351d9b65568d599378f8bcfde59dcd637c422c3ad8c3689de9'
    b'9c8fbab0"}},"body":"Printer on the third floor is out of toner again, please '
    b'send someone with a new cartridge before noon.","visibility":"public",'
    b'"author_kind":"agent"}'
)


def state() -> bytes:
    return STATE_TEMPLATE % {b"command_id": str(uuid.uuid4()).encode()}


STATE = state()
TOPIC = "ticketing.aggregates.ticket:Ticket.CommentAdded"


class UnchainedRecorder(TicketingRecorder):
    """The production recorder with the hash step disabled (constant digest)."""

    def chain_hash(
        self, prev: str, position: int, record: NewRecord, recorded_at: str
    ) -> str:
        return GENESIS_HASH


class UnchainedFactory(TicketingFactory):
    application_recorder_class = UnchainedRecorder


class UnchainedApplication(TicketingApplication):
    def construct_factory(self, env: Environment) -> InfrastructureFactory[Any]:
        return UnchainedFactory(env)


@dataclass
class Store:
    app: TicketingApplication
    service: TicketService
    versions: dict[uuid.UUID, int]

    def append(self, count: int) -> int:
        """``count`` events on one new aggregate, in one transaction."""
        oid = uuid.uuid4()
        self.app.recorder.insert_events(
            [StoredEvent(oid, v, TOPIC, state()) for v in range(1, count + 1)]
        )
        return count


def open_store(url: str, *, chained: bool) -> Store:
    cls = TicketingApplication if chained else UnchainedApplication
    app = cls(url)
    create_index_tables(app.log_recorder.engine)
    service = TicketService(app, SystemClock(), load_priority_matrix())
    return Store(app, service, {})


def pg_schema_url(base: str) -> Iterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    engine = sqlalchemy.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


@dataclass(frozen=True)
class Pair:
    """Median seconds per event (wall clock and this process's CPU), both modes.

    ``overhead`` is the median of the per-round ratios chained / unchained - 1
    (rounds are paired, which cancels drift); ``cpu_overhead`` the same for CPU.
    """

    chained: float
    unchained: float
    overhead: float
    cpu_chained: float
    cpu_unchained: float
    cpu_overhead: float


def _paired(chained: list[float], unchained: list[float]) -> float:
    return statistics.median(c / u for c, u in zip(chained, unchained, strict=True)) - 1


def alternate(
    stores: dict[str, Store],
    rounds: int,
    per_round: int,
    work: Callable[[Store], object],
) -> Pair:
    """Interleaved rounds (order flipped every round)."""
    wall: dict[str, list[float]] = {"chained": [], "unchained": []}
    cpu: dict[str, list[float]] = {"chained": [], "unchained": []}
    for i in range(rounds):
        order = ("chained", "unchained") if i % 2 == 0 else ("unchained", "chained")
        for name in order:
            store = stores[name]
            wall_start, cpu_start = time.perf_counter(), time.process_time()
            work(store)
            wall[name].append((time.perf_counter() - wall_start) / per_round)
            cpu[name].append((time.process_time() - cpu_start) / per_round)
    return Pair(
        statistics.median(wall["chained"]),
        statistics.median(wall["unchained"]),
        _paired(wall["chained"], wall["unchained"]),
        statistics.median(cpu["chained"]),
        statistics.median(cpu["unchained"]),
        _paired(cpu["chained"], cpu["unchained"]),
    )


def commands(store: Store, count: int) -> None:
    ctx = CommandContext(actor=ACTOR)
    ticket = None
    for i in range(count):
        if ticket is None or i % 10 == 0:
            opened = store.service.execute(
                m.OpenTicket(
                    type="incident", title="t", impact=2, urgency=2, requester_id="r"
                ),
                ctx,
            )
            ticket = opened.ticket_id
        else:
            store.service.execute(m.AddComment(ticket_id=ticket, body=f"c{i}"), ctx)


def bench_backend(
    name: str, url_a: str, url_b: str, args: argparse.Namespace
) -> dict[str, Any]:
    stores = {
        "chained": open_store(url_a, chained=True),
        "unchained": open_store(url_b, chained=False),
    }
    for store in stores.values():
        store.append(1)  # create tables, warm connections
    n, batch = args.appends, args.batch
    single = alternate(
        stores, args.rounds, n, lambda s: [s.append(1) for _ in range(n)]
    )
    batched = alternate(
        stores,
        args.rounds,
        n // 10 * batch,
        lambda s: [s.append(batch) for _ in range(n // 10)],
    )
    service = alternate(stores, args.rounds, n // 2, lambda s: commands(s, n // 2))
    chained = stores["chained"]
    for _ in range(args.fill // 500):
        chained.append(500)
    recorder = chained.app.log_recorder
    events = verify_log(recorder).events
    verify_s = min(timed(lambda: verify_log(recorder)) for _ in range(3))
    buffer = io.BytesIO()
    export_s = timed(lambda: export_log(recorder, buffer))
    result = {
        "backend": name,
        "single": single,
        "batched": batched,
        "service": service,
        "events": events,
        "verify_eps": events / verify_s,
        "export_eps": events / export_s,
        "data": buffer.getvalue(),
    }
    for store in stores.values():
        store.app.close()
        store.app.log_recorder.engine.dispose()
    return result


def import_rate(url: str, data: bytes, events: int) -> float:
    app = TicketingApplication(url)
    try:
        return events / timed(lambda: import_event_log(app, io.BytesIO(data)))
    finally:
        app.close()
        app.log_recorder.engine.dispose()


def hash_cost_us(samples: int = 50_000) -> float:
    oid = uuid.uuid4()
    start = time.perf_counter()
    prev = GENESIS_HASH
    for i in range(samples):
        prev = event_hash(
            prev, i + 1, oid, i + 1, TOPIC, STATE, "2026-03-02T09:00:00.000000+00:00"
        )
    return (time.perf_counter() - start) / samples * 1e6


def row(label: str, pair: Pair) -> str:
    return (
        f"| {label} | {pair.unchained * 1e6:,.1f} µs | {pair.chained * 1e6:,.1f} µs "
        f"| **{pair.overhead * 100:+.1f} %** | {pair.cpu_unchained * 1e6:,.1f} µs "
        f"| {pair.cpu_chained * 1e6:,.1f} µs | {pair.cpu_overhead * 100:+.1f} % |"
    )


def report(result: dict[str, Any], import_eps: float, batch: int) -> None:
    print(f"\n### {result['backend']}\n")
    print(
        "| append, median per event | wall, no chain | wall, chain | wall overhead "
        "| client CPU, no chain | client CPU, chain | CPU overhead |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print(row("1 event per transaction (recorder)", result["single"]))
    print(row(f"{batch} events per transaction (recorder)", result["batched"]))
    print(row("1 command per transaction (service)", result["service"]))
    print(
        f"\nverify: {result['verify_eps']:,.0f} events/s; export: "
        f"{result['export_eps']:,.0f} events/s; import: {import_eps:,.0f} events/s "
        f"({result['events']:,} events)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appends", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--fill", type=int, default=20_000)
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    print(
        f"event_hash alone: {hash_cost_us():.1f} µs per event "
        f"({len(STATE)}-byte payload)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        a, b, c = (f"sqlite:///{Path(tmp) / n}" for n in ("a.db", "b.db", "c.db"))
        result = bench_backend("SQLite (file, WAL, synchronous=FULL)", a, b, args)
        report(result, import_rate(c, result["data"], result["events"]), args.batch)
    if not args.skip_pg:
        schemas = [pg_schema_url(args.pg_url) for _ in range(3)]
        a, b, c = (next(s) for s in schemas)
        try:
            result = bench_backend("PostgreSQL 15 (local, psycopg2)", a, b, args)
            report(result, import_rate(c, result["data"], result["events"]), args.batch)
        finally:
            for s in schemas:
                next(s, None)


if __name__ == "__main__":
    main()

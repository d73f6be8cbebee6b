"""HTTP command throughput and latency against the raw transaction rate of the database.

For each backend (SQLite file, PostgreSQL) and each worker count, it starts
``ticketing serve --workers N`` on loopback (SQLite: projections in the
workers; PostgreSQL: a separate ``ticketing projections run`` process, as
deployed), seeds tickets, and drives ``POST /tickets/{ref}/comments`` with wrk:

1. saturated: ``-c CONNECTIONS`` closed-loop connections for ``--seconds``;
2. half load: each connection paced by a Lua ``delay()`` so the offered rate is
   half the saturated rate (calibrated once), latency measured at that load.

The raw rate is the same database doing the same shape of work with the
driver alone (read the ticket's rows, insert one ~600-byte row, commit), with
the same durability settings and the same number of concurrent connections.

Run: ``.venv/bin/python -m benchmarks.bench_http`` (needs ``wrk``: apt-get
install wrk). Results go to docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import sqlalchemy
import sqlalchemy.pool

from benchmarks.databases import fresh_database
from ticketing.aggregates.envelope import Actor
from ticketing.commands import messages as m
from ticketing.commands.service import CommandContext
from ticketing.errors import TicketingError
from ticketing.http.tokens import TokenStore
from ticketing.runtime import build_runtime
from ticketing.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Iterator

DEFAULT_PG = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
LUA = """
local token = "{token}"
local tickets = {tickets}
local delay_ms = {delay}
local n = 0
request = function()
  n = n + 1
  local path = string.format("/tickets/INC%07d/comments", math.random(1, tickets))
  local body = string.format('{{"body": "load test comment %d"}}', n)
  return wrk.format("POST", path, {{
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json"}}, body)
end
if delay_ms > 0 then
  delay = function() return delay_ms end
end
statuses = {{}}
response = function(status, headers, body)
  if status >= 300 then
    local text = string.gsub(string.sub(body, 1, 100), "%s+", " ")
    local key = tostring(status) .. " " .. text
    statuses[key] = (statuses[key] or 0) + 1
  end
end
local threads = {{}}
setup = function(thread) table.insert(threads, thread) end
done = function(summary, latency, requests)
  for _, t in ipairs(threads) do
    for key, count in pairs(t:get("statuses")) do
      io.write(string.format("STATUS %d %s\\n", count, key))
    end
  end
end
"""


@dataclass(frozen=True, slots=True)
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    failures: tuple[str, ...] = ()


def _ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", value.strip())
    if match is None:
        msg = f"cannot read wrk latency {value!r}"
        raise ValueError(msg)
    number, unit = match.groups()
    factor = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3.6e6}[unit]
    return float(number) * factor


def run_wrk(base: str, script: Path, seconds: int, connections: int) -> WrkResult:
    out = subprocess.run(  # noqa: S603 - our own wrk command line
        [
            shutil.which("wrk") or "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            base,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)\s*$", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)\s*$", out, re.M).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    errors = int(bad.group(1)) if bad else 0
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    failures = tuple(re.findall(r"^STATUS (.*)$", out, re.M))
    return WrkResult(rps, p50, p99, total, errors, failures)


def seed(db_url: str, tickets: int) -> str:
    """Open ``tickets`` tickets; return an agent token."""
    runtime = build_runtime(Settings(db_url=db_url))
    try:
        store = TokenStore(runtime.engine)
        store.ensure_schema()
        runtime.projections.ensure_all_active()
        _, token = store.create("bench", "agent", runtime.clock.now())
        ctx = CommandContext(actor=Actor("seed", "agent", "human"))
        for i in range(tickets):
            command = m.OpenTicket(
                type="incident",
                title=f"bench {i}",
                impact=2,
                urgency=2,
                requester_id="r",
            )
            runtime.service.execute(command, ctx)
        return token
    finally:
        runtime.close()


# -- the server --------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(db_url: str, workers: int, *, projections: bool = True) -> Iterator[str]:
    port = _free_port()
    exe = str(Path(sys.executable).with_name("ticketing"))
    env = {**os.environ, "TICKETING_DB_URL": db_url}
    procs = [
        subprocess.Popen(  # noqa: S603
            [
                *(exe, "serve", "--port", str(port), "--workers", str(workers)),
                *("--log-level", "warning"),
                *(() if projections else ("--without-projections",)),
            ],
            env=env,
            start_new_session=True,
        )
    ]
    if projections and not db_url.startswith("sqlite"):
        procs.append(
            subprocess.Popen(  # noqa: S603
                [exe, "projections", "run"], env=env, start_new_session=True
            )
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                msg = "server did not start"
                raise RuntimeError(msg)
            time.sleep(0.2)
        yield base
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.wait(30)


# -- raw transaction rate ------------------------------------------------------------

STATE = b"x" * 600


def _raw_sqlite(path: str, stop: threading.Event, counts: list[int], i: int) -> None:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA synchronous = FULL")
    while not stop.is_set():
        k = random.randrange(1000)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("SELECT count(*) FROM raw_events WHERE k = ?", (k,)).fetchone()
        conn.execute("INSERT INTO raw_events (k, state) VALUES (?, ?)", (k, STATE))
        conn.execute("COMMIT")
        counts[i] += 1
    conn.close()


def _raw_pg(url: str, stop: threading.Event, counts: list[int], i: int) -> None:
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
    raw = engine.raw_connection()
    conn: Any = raw.driver_connection  # psycopg2, no SQLAlchemy in the loop
    cur = conn.cursor()
    while not stop.is_set():
        k = random.randrange(1000)
        cur.execute("SELECT count(*) FROM raw_events WHERE k = %s", (k,))
        cur.fetchone()
        cur.execute("INSERT INTO raw_events (k, state) VALUES (%s, %s)", (k, STATE))
        conn.commit()
        counts[i] += 1
    raw.close()
    engine.dispose()


def raw_rate(db_url: str, connections: int, seconds: float) -> float:
    """Commits per second of read-insert-commit transactions, driver only."""
    engine = sqlalchemy.create_engine(db_url)
    sqlite = db_url.startswith("sqlite")
    key, blob = ("INTEGER", "BLOB") if sqlite else ("BIGSERIAL", "BYTEA")
    ddl = f"CREATE TABLE raw_events (id {key} PRIMARY KEY, k INTEGER, state {blob})"
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text(ddl))
        conn.execute(sqlalchemy.text("CREATE INDEX raw_events_k ON raw_events (k)"))
    stop = threading.Event()
    counts = [0] * connections
    target: Any
    if db_url.startswith("sqlite"):
        target, arg = _raw_sqlite, str(engine.url.database)
        with contextlib.closing(sqlite3.connect(arg)) as c:
            c.execute("PRAGMA journal_mode = WAL")
    else:
        target = _raw_pg
        arg = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    threads = [
        threading.Thread(target=target, args=(arg, stop, counts, i))
        for i in range(connections)
    ]
    for t in threads:
        t.start()
    time.sleep(1.0)  # warm-up
    start, before = time.perf_counter(), sum(counts)
    time.sleep(seconds)
    done, elapsed = sum(counts) - before, time.perf_counter() - start
    stop.set()
    for t in threads:
        t.join()
    return done / elapsed


def service_rate(db_url: str, tickets: int, threads: int, seconds: float) -> float:
    """Comments per second through TicketService.execute alone (no HTTP)."""
    seed(db_url, tickets)
    runtime = build_runtime(Settings(db_url=db_url))
    ids = []
    for i in range(tickets):
        ids.append(runtime.service.resolve_ref(f"INC{i + 1:07d}"))
    ctx = CommandContext(actor=Actor("bench", "agent", "human"))
    stop = threading.Event()
    counts = [0] * threads

    def loop(i: int) -> None:
        while not stop.is_set():
            command = m.AddComment(ticket_id=random.choice(ids), body="load")
            with contextlib.suppress(TicketingError):  # a lost race: 409 in HTTP
                runtime.service.execute(command, ctx)
            counts[i] += 1

    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for t in workers:
        t.start()
    time.sleep(1.0)
    start, before = time.perf_counter(), sum(counts)
    time.sleep(seconds)
    done, elapsed = sum(counts) - before, time.perf_counter() - start
    stop.set()
    for t in workers:
        t.join()
    runtime.close()
    return done / elapsed


# -- one case --------------------------------------------------------------------------


def lua_script(directory: Path, token: str, tickets: int, delay_ms: float) -> Path:
    path = directory / f"load-{delay_ms:.1f}.lua"
    path.write_text(LUA.format(token=token, tickets=tickets, delay=round(delay_ms, 1)))
    return path


def bench_case(
    db_url: str,
    workers: int,
    *,
    tickets: int = 500,
    seconds: int = 10,
    connections: int = 8,
    projections: bool = True,
    half_load: bool = True,
) -> dict[str, Any]:
    """Saturated wrk run against ``workers`` workers, then (optionally) half load."""
    token = seed(db_url, tickets)
    scripts = Path(tempfile.mkdtemp(prefix="bench-lua-"))
    try:
        with server(db_url, workers, projections=projections) as base:
            saturated = run_wrk(
                base, lua_script(scripts, token, tickets, 0), seconds, connections
            )
            half = None
            if half_load:
                cycle = connections * 1000 / (saturated.rps / 2)
                probe = run_wrk(
                    base, lua_script(scripts, token, tickets, cycle), 4, connections
                )
                extra = connections * 1000 / max(probe.rps, 1) - cycle
                paced = max(cycle - extra, 0.0)
                half = run_wrk(
                    base,
                    lua_script(scripts, token, tickets, paced),
                    seconds,
                    connections,
                )
    finally:
        shutil.rmtree(scripts, ignore_errors=True)
    return {"workers": workers, "saturated": saturated, "half": half}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--tickets", type=int, default=500)
    parser.add_argument(
        "--without-projections",
        action="store_true",
        help="diagnostics: serve without any projection runner",
    )
    parser.add_argument(
        "--pg", default=os.environ.get("TICKETING_TEST_PG_URL", DEFAULT_PG)
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is required (apt-get install wrk)")
    rows: list[str] = []
    scratch = Path(tempfile.gettempdir()) / "ticketing-bench-http"
    for backend in args.backends.split(","):
        kind = "sqlite" if backend == "sqlite" else "postgres"
        database = functools.partial(fresh_database, kind, scratch, args.pg)
        with database() as url:
            raw = raw_rate(url, args.connections, args.seconds)
        with database() as url:
            alone = service_rate(url, args.tickets, args.connections, args.seconds)
        print(
            f"{backend}: raw {raw:,.0f} tx/s; command service alone "
            f"(no HTTP, {args.connections} threads, one process) {alone:,.0f} cmd/s",
            flush=True,
        )
        for workers in (int(w) for w in args.workers.split(",")):
            with database() as url:
                r = bench_case(
                    url,
                    workers,
                    tickets=args.tickets,
                    seconds=args.seconds,
                    connections=args.connections,
                    projections=not args.without_projections,
                )
            s, h = r["saturated"], r["half"]
            row = (
                f"| {backend} | {workers} | {raw:,.0f} | {s.rps:,.0f} | "
                f"{s.rps / raw:.2f}x | {s.p50_ms:.1f} | {s.p99_ms:.1f} | "
                f"{h.rps:,.0f} | {h.p50_ms:.1f} | {h.p99_ms:.1f} | "
                f"{s.errors + h.errors} |"
            )
            print(row, flush=True)
            for failure in (*s.failures, *h.failures):
                print(f"  non-2xx: {failure}", flush=True)
            rows.append(row)
    print(
        "\n| backend | workers | raw tx/s | commands/s | ratio | p50 ms | p99 ms "
        "| half-load rate | p50 ms | p99 ms | non-2xx |"
    )
    print(
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    )
    print("\n".join(rows))


if __name__ == "__main__":
    main()

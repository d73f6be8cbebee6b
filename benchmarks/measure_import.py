"""(b) bulk import: ``import events`` and ``import commands`` next to raw bulk insert.

* ``import events``: a synthetic log (``bench_projections.write_log``) is
  exported to a portable file, then loaded into an empty store with
  ``import_event_log`` (what ``ticketing import events`` runs: verify the
  chain, insert verbatim, rebuild the write-side indexes, one transaction).
* ``import commands``: the demo generator's commands through the
  command-script runner (what ``ticketing import commands`` runs after parsing).

The raw limit is the same rows (same sizes) written with executemany (SQLite)
or COPY (PostgreSQL), 1,000 rows per transaction.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from benchmarks.bench_commands import databases, fresh_rows, log_rows, raw_bulk
from benchmarks.bench_projections import write_log
from benchmarks.databases import fresh_database
from benchmarks.measure_appends import BULK_TARGET
from benchmarks.raw_driver import timed
from benchmarks.results import Result
from ticketing.commands.script_runner import run_steps
from ticketing.demo.generator import DemoGenerator
from ticketing.demo.run import DEFAULT_START
from ticketing.runtime import Runtime, build_runtime
from ticketing.settings import Settings
from ticketing.store.log_export import export_to_path
from ticketing.store.log_import import import_event_log

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from benchmarks.context import Context
    from benchmarks.raw_driver import RawStore

RAW_BATCH = 1_000
RAW_WHAT = "executemany (SQLite) / COPY (PostgreSQL), same rows, 1,000 per tx"


def exported_log(ctx: Context, backend: str, events: int, path: Path) -> int:
    """Write about ``events`` events into a scratch store and export them."""
    with fresh_database(backend, ctx.work_dir, ctx.pg_url) as url:
        runtime = build_runtime(Settings(db_url=url, snapshot_interval=0))
        try:
            written = write_log(runtime, events)
            export_to_path(runtime.app.log_recorder, path)
        finally:
            runtime.close()
    return written


def raw_rate(runtime: Runtime, new_raw: Callable[[], RawStore]) -> float:
    """Rows/s of the raw bulk insert of the rows ``runtime``'s log holds."""
    rows = fresh_rows(log_rows(runtime, 0))
    raw = new_raw()
    try:
        return len(rows) / timed(raw_bulk, raw, rows, RAW_BATCH)
    finally:
        raw.close()


def import_events(ctx: Context, backend: str) -> Result:
    path = ctx.work_dir / f"export-{backend}.jsonl"
    ctx.work_dir.mkdir(parents=True, exist_ok=True)
    try:
        ctx.say(f"exporting a log of ~{ctx.plan.import_events:,} events")
        exported_log(ctx, backend, ctx.plan.import_events, path)
        with databases(backend, ctx.pg_url) as (url, new_raw):
            runtime = build_runtime(Settings(db_url=url, snapshot_interval=0))
            try:
                ctx.say("ticketing import events")
                started = time.perf_counter()
                with path.open("rb") as source:  # streamed, as the CLI does
                    summary = import_event_log(runtime.app, source)
                seconds = time.perf_counter() - started
                ctx.say("raw bulk insert of the same rows")
                raw = raw_rate(runtime, new_raw)
            finally:
                runtime.close()
    finally:
        path.unlink(missing_ok=True)
    return Result(
        "import",
        "ticketing import events (verify chain, insert, rebuild indexes)",
        backend,
        summary.events / seconds,
        "events/s",
        raw=raw,
        raw_what=RAW_WHAT,
        target=BULK_TARGET,
        extra={"events": summary.events, "seconds": seconds},
    )


def import_commands(ctx: Context, backend: str) -> Result:
    tickets = ctx.plan.import_demo_tickets
    steps = DemoGenerator(tickets=tickets, seed=1, start=DEFAULT_START).generate()
    with databases(backend, ctx.pg_url) as (url, new_raw):
        runtime = build_runtime(Settings(db_url=url))
        try:
            ctx.say(f"ticketing import commands: {len(steps):,} demo commands")
            started = time.perf_counter()
            report = run_steps(runtime.service, steps)
            seconds = time.perf_counter() - started
            assert report.ok, "the demo script must import cleanly"
            ctx.say("raw bulk insert of the same rows")
            raw = raw_rate(runtime, new_raw)
        finally:
            runtime.close()
    return Result(
        "import",
        "ticketing import commands (demo script, one command per call)",
        backend,
        report.events / seconds,
        "events/s",
        raw=raw,
        raw_what=RAW_WHAT,
        target=BULK_TARGET,
        extra={"events": report.events, "commands": len(steps), "seconds": seconds},
    )


def run(ctx: Context, backend: str) -> list[Result]:
    return [import_events(ctx, backend), import_commands(ctx, backend)]

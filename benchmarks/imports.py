"""Import rates: the ServiceNow excerpt and a large demo, on SQLite and PostgreSQL.

    .venv/bin/python -m benchmarks.imports [--demo-tickets 5000] [--pg URL]

Each case runs on a fresh database (a temporary SQLite file; a fresh
PostgreSQL schema when --pg is given), then runs again to time the no-op
re-run. Prints a Markdown table for docs/benchmarks.md ("Imports").
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy

from ticketing.demo.run import run_demo
from ticketing.importers.servicenow.importer import import_servicenow
from ticketing.runtime import build_runtime
from ticketing.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from ticketing.runtime import Runtime

CSV = Path(
    os.environ.get(
        "TICKETING_SERVICENOW_CSV", "/work/shared/data/servicenow-incident-log.csv"
    )
)


def sqlite_urls() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp:
        yield f"sqlite:///{Path(tmp) / 'bench.db'}"


def pg_url(base: str) -> Iterator[str]:
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


def servicenow(runtime: Runtime) -> int:
    with CSV.open(newline="") as src:
        report = import_servicenow(runtime.service, src)
    assert report.ok
    return report.script.events


def demo(tickets: int) -> Callable[[Runtime], int]:
    def run(runtime: Runtime) -> int:
        summary = run_demo(runtime.service, tickets=tickets, seed=1)
        assert summary.report.ok
        return summary.report.events

    return run


def measure(url: str, case: Callable[[Runtime], int]) -> tuple[int, float, float]:
    runtime = build_runtime(Settings(db_url=url))
    try:
        started = time.perf_counter()
        events = case(runtime)
        first = time.perf_counter() - started
        started = time.perf_counter()
        case(runtime)
        again = time.perf_counter() - started
    finally:
        runtime.close()
    return events, first, again


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--demo-tickets", type=int, default=5000)
    parser.add_argument("--pg", default=None, help="postgresql+psycopg2://... base URL")
    args = parser.parse_args()
    backends: list[tuple[str, Callable[[], Iterator[str]]]] = [("SQLite", sqlite_urls)]
    if args.pg:
        backends.append(("PostgreSQL", lambda: pg_url(args.pg)))
    cases = [
        ("ServiceNow excerpt (400 incidents)", servicenow),
        (f"demo, {args.demo_tickets} tickets", demo(args.demo_tickets)),
    ]
    print("| case | backend | events | time | events/s | re-run (no-op) |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name, case in cases:
        for backend, urls in backends:
            for url in urls():
                events, first, again = measure(url, case)
                print(
                    f"| {name} | {backend} | {events:,} | {first:.1f} s | "
                    f"{events / first:,.0f} | {again:.1f} s |"
                )


if __name__ == "__main__":
    main()

"""Rules engine figures: processor throughput, state fold at start, preview time.

    python -m benchmarks.bench_rules --tickets 10000 [--db URL]

Builds a history on a fresh SQLite file (or the database given): the demo
directory, ``default-v1`` active, ``--tickets`` tickets opened in bursts of
``--burst`` with some human work in between, the rules processor catching up
after each burst. Then it times a cold fold of the rules state (what a
restart costs) and a preview of a candidate over the whole history.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from ticketing.aggregates.envelope import Actor
from ticketing.cli.directory import directory_commands
from ticketing.clock import SettableClock
from ticketing.commands import admin_messages as a
from ticketing.commands import messages as m
from ticketing.commands.service import CommandContext
from ticketing.rules import parse_directory, parse_rule_set
from ticketing.rules.loader import DATA_DIR
from ticketing.rules.preview import preview
from ticketing.rules.reactor import RulesReactor
from ticketing.rules.view import SourceReader
from ticketing.rules.wiring import RulesRunner, current_directory, install_rules
from ticketing.runtime import Runtime, build_runtime
from ticketing.settings import Settings

if TYPE_CHECKING:
    from uuid import UUID

PERSON = CommandContext(actor=Actor(id="alice", role="agent", kind="human"))
ADMIN = CommandContext(actor=Actor(id="root", role="admin", kind="human"))
INTAKE: tuple[dict[str, object], ...] = (
    {"title": "VPN drops every hour", "category": "network"},
    {"title": "Password reset for SAP"},
    {"title": "Outlook crashes", "service": "email"},
    {"title": "New laptop", "type": "service_request", "category": "laptop"},
    {"title": "Printer jam", "requester_org": "executive-office"},
    {"title": "Payroll database slow", "category": "database", "impact": 1},
    {"title": "Phishing mail received"},
    {"title": "Monitor flickers"},
    {"title": "Core switch down", "impact": 1, "urgency": 1},
    {"title": "Change firewall rule", "type": "change"},
)


def setup(runtime: Runtime) -> None:
    path = DATA_DIR / "directories" / "demo.toml"
    directory = parse_directory(tomllib.loads(path.read_text("utf-8")), str(path))
    for command in directory_commands(directory):
        runtime.service.execute(command, ADMIN)
    text = (DATA_DIR / "default-v1.toml").read_text("utf-8")
    activate = a.ActivatePolicy(kind="rules", documents={"default-v1.toml": text})
    runtime.service.execute(activate, ADMIN)


def build(
    runtime: Runtime, clock: SettableClock, tickets: int, burst: int
) -> dict[str, float]:
    rules = RulesRunner(runtime, threading.Event())
    rules.run_once(warm=False)
    opened: list[UUID] = []
    processing = examined = 0.0
    people = 0
    started = time.perf_counter()
    while len(opened) < tickets:
        for _ in range(min(burst, tickets - len(opened))):
            clock.advance(timedelta(seconds=20))
            fields = {
                "impact": 2,
                "urgency": 2,
                "type": "incident",
                "requester_id": "u",
            }
            fields.update(INTAKE[len(opened) % len(INTAKE)])
            result = runtime.service.execute(m.OpenTicket(**fields), PERSON)  # type: ignore[arg-type]
            opened.append(result.aggregate_id)
        for ticket_id in opened[-burst:][::4]:  # a person resolves some
            clock.advance(timedelta(seconds=20))
            runtime.service.execute(
                m.ResolveTicket(ticket_id=ticket_id, resolution_code="fixed"),
                PERSON,
            )
            people += 1
        t0 = time.perf_counter()
        examined += rules.run_once(warm=True)
        examined += rules.run_once(warm=True)
        processing += time.perf_counter() - t0
    automated = automated_events(runtime)
    return {
        "build_seconds": time.perf_counter() - started,
        "processor_seconds": processing,
        "events_examined": examined,
        "events_per_second": examined / processing,
        "automated_events": automated,
        "automated_events_per_second": automated / processing,
        "human_commands": people + len(opened),
    }


def automated_events(runtime: Runtime) -> int:
    reader = SourceReader(runtime.projections.source)
    count = after = 0
    while batch := reader.read(after, 5000):
        count += sum(1 for log in batch if log.event.meta.actor.kind == "rule")
        after = batch[-1].position
    return count


def fold(runtime: Runtime) -> dict[str, float]:
    reactor = RulesReactor(
        SourceReader(runtime.projections.source),
        runtime.service.load,
        runtime.service.matrix,
    )
    head = runtime.projections.source.head()
    t0 = time.perf_counter()
    reactor.warm_up(head)
    seconds = time.perf_counter() - t0
    return {
        "fold_events": head,
        "fold_seconds": seconds,
        "fold_per_second": head / seconds,
    }


def run_preview(runtime: Runtime) -> dict[str, float]:
    reader = SourceReader(runtime.projections.source)
    text = (
        (DATA_DIR / "default-v1.toml")
        .read_text("utf-8")
        .replace(
            'route = { queue = "network", group = "network-l2" }',
            'route = { queue = "service-desk", group = "service-desk-l1" }',
        )
    )
    t0 = time.perf_counter()
    candidate = parse_rule_set(text, "candidate.toml", current_directory(reader))
    report = preview(reader, candidate, runtime.service.matrix)
    seconds = time.perf_counter() - t0
    return {
        "preview_seconds": seconds,
        "preview_tickets": report.tickets,
        "preview_trigger_points": report.trigger_points,
        "preview_differences": len(report.differences),
        "preview_events_per_second": report.head / seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--burst", type=int, default=50)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
        clock = SettableClock(datetime.now(tz=UTC) + timedelta(seconds=1))
        runtime = build_runtime(Settings(db_url=url), clock)
        runtime.recorder.wall_clock = clock
        install_rules(runtime)
        try:
            setup(runtime)
            figures = build(runtime, clock, args.tickets, args.burst)
            figures |= fold(runtime)
            figures |= run_preview(runtime)
        finally:
            runtime.close()
    print(
        f"backend: {url.split(':', 1)[0]}, tickets: {args.tickets}, burst: {args.burst}"
    )
    for name, value in figures.items():
        print(f"{name:>32}: {value:,.1f}")


if __name__ == "__main__":
    main()

"""CLI: rule sets — activate, show, run the processor, preview, webhooks."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from ticketing.cli.app import app, fail, open_runtime, print_json
from ticketing.cli.directory import ActorOption, JsonFlag, operator_context
from ticketing.cli.history import parse_instant
from ticketing.commands.admin_messages import ActivatePolicy
from ticketing.rules.activations import RULES_KIND
from ticketing.rules.history import activation_history
from ticketing.rules.loader import DATA_DIR, load_rule_file, published_versions
from ticketing.rules.preview import COUNTERFACTUAL_NOTE, preview
from ticketing.rules.view import SourceReader
from ticketing.rules.webhooks import STATUSES, attempts_of, list_outbox
from ticketing.rules.wiring import (
    current_directory,
    install_rules,
    start_rules_automation,
)
from ticketing.store.datastore import read_transaction

if TYPE_CHECKING:
    from ticketing.rules.preview import PreviewReport

rules_app = typer.Typer(
    help="Rule sets: activate, show, run, preview; webhook deliveries.",
    no_args_is_help=True,
)
app.add_typer(rules_app, name="rules")


def _rule_file(target: str) -> Path:
    path = Path(target)
    if path.is_file():
        return path
    if target in published_versions():
        return DATA_DIR / f"{target}.toml"
    known = ", ".join(published_versions())
    raise fail(f"{target!r} is neither a file nor a published version ({known})")


@rules_app.command("activate")
def activate(
    target: Annotated[str, typer.Argument(help="A rule file, or a published version.")],
    effective_from: Annotated[
        str | None,
        typer.Option("--effective-from", help="ISO 8601 time (default: now)."),
    ] = None,
    actor: ActorOption = None,
) -> None:
    """Check a rule set against the directory and put it in force (recorded)."""
    path = _rule_file(target)
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"{path}: cannot read the file: {exc}") from None
    instant = parse_instant(effective_from, "--effective-from")
    command = ActivatePolicy(
        kind=RULES_KIND, documents={path.name: text}, effective_from=instant
    )
    with open_runtime() as runtime:
        install_rules(runtime)
        result = runtime.service.execute(command, operator_context(actor))
        history = activation_history(runtime.projections.source, runtime.clock.now())
    latest = next(h for h in reversed(history) if h.position == result.position)
    typer.echo(
        f"rules {latest.version} activated by {latest.actor} "
        f"({latest.status}, effective from {latest.effective_from.isoformat()}; "
        f"sha256 {latest.sha256[:16]})"
    )


@rules_app.command("show")
def show(as_json: JsonFlag = False) -> None:
    """The rule set in force now, and every activation (who, when, which version)."""
    with open_runtime() as runtime:
        now = runtime.clock.now()
        history = activation_history(runtime.projections.source, now)
    in_force = next((h for h in history if h.status == "in force"), None)
    if as_json:
        print_json(
            {
                "in_force": in_force.version if in_force else None,
                "at": now.isoformat(),
                "activations": [h.as_json() for h in history],
            }
        )
        return
    typer.echo(f"in force: {in_force.version if in_force else 'none'}")
    table = Table("version", "status", "effective from", "by", "at", "sha256")
    for h in history:
        table.add_row(
            h.version,
            h.status,
            h.effective_from.isoformat(),
            f"{h.actor} ({h.actor_kind})",
            h.occurred_at.isoformat(),
            h.sha256[:16],
        )
    Console().print(table)


@rules_app.command("run")
def run(
    timers: Annotated[bool, typer.Option(help="Also run time rules.")] = True,
    webhooks: Annotated[bool, typer.Option(help="Also deliver webhooks.")] = True,
) -> None:
    """Run the rules processor (and timers, webhooks) until interrupted."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with open_runtime() as runtime:
        threads = start_rules_automation(
            runtime, stop, timers=timers, webhooks=webhooks
        )
        typer.echo(f"rules automation running ({len(threads)} threads); Ctrl-C stops")
        while not stop.wait(1.0):
            if not all(t.is_alive() for t in threads):
                stop.set()
                raise fail("a rules automation thread died; see the log", 1)
        for thread in threads:
            thread.join(timeout=10)


@rules_app.command("preview")
def preview_cmd(
    rules: Annotated[Path, typer.Option("--rules", help="The candidate rule file.")],
    as_json: JsonFlag = False,
    include_imports: Annotated[
        bool, typer.Option(help="Also evaluate events recorded by imports.")
    ] = False,
    limit: Annotated[int, typer.Option(help="Tickets to list (text output).")] = 50,
) -> None:
    """What the candidate would have decided differently over history (no writes)."""
    with open_runtime() as runtime:
        reader = SourceReader(runtime.projections.source)
        candidate = load_rule_file(rules, current_directory(reader))
        report = preview(
            reader,
            candidate,
            runtime.service.matrix,
            include_imports=include_imports,
        )
    if as_json:
        print_json(report.as_json())
        return
    _print_preview(report, limit)


def _print_preview(report: PreviewReport, limit: int) -> None:
    summary = report.as_json()["summary"]
    typer.echo(COUNTERFACTUAL_NOTE)
    typer.echo(
        f"candidate {report.candidate} ({report.source}) over {report.tickets} "
        f"tickets, {report.trigger_points} trigger points, log head "
        f"{report.head}; in force then: {dict(report.in_force) or 'none'}"
    )
    typer.echo(
        f"differences: {len(report.differences)} in "
        f"{report.tickets_with_differences} tickets {summary['differences_by_kind']}; "
        f"imported events skipped: {report.imported_skipped}; halted by depth: "
        f"{report.halted}; rule failures: {report.failures}; webhook calls: "
        f"{report.webhooks}"
    )
    if report.not_comparable:
        typer.echo(
            f"not comparable: {report.not_comparable} (the decision in force was "
            "refused when executed: a person had changed the ticket first)"
        )
    shown: list[str] = []
    for d in report.differences:
        if d.number not in shown:
            if len(shown) >= limit:
                typer.echo("... more tickets (use --json or --limit)")
                break
            shown.append(d.number)
            typer.echo(f"{d.number}:")
        origin = f"{d.event} at {d.position}, depth {d.depth}"
        typer.echo(f"  {d.kind}: {d.text} [{origin}; in force: {d.in_force}]")


@rules_app.command("webhooks")
def webhooks_cmd(
    status: Annotated[
        str | None, typer.Option(help=f"Only this status ({', '.join(STATUSES)}).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1)] = 100,
    as_json: JsonFlag = False,
) -> None:
    """Webhook deliveries: pending, delivered, failed, with their attempts."""
    if status is not None and status not in STATUSES:
        raise fail(f"--status must be one of {', '.join(STATUSES)}")
    with open_runtime() as runtime:
        install_rules(runtime)
        rows = list_outbox(runtime.engine, status, limit)
        with read_transaction(runtime.engine) as conn:
            attempts = {r.id: attempts_of(conn, r.id) for r in rows}
    if as_json:
        print_json([{**r.as_json(), "attempt_log": attempts[r.id]} for r in rows])
        return
    table = Table("created", "ticket", "rule", "webhook", "status", "tries", "last")
    for r in rows:
        last = r.last_error or (str(r.last_status) if r.last_status else "")
        table.add_row(
            r.created_at.isoformat(),
            r.ticket_number,
            r.rule_id,
            r.name,
            r.status,
            str(r.attempts),
            last,
        )
    Console().print(table)

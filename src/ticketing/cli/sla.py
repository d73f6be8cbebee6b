"""CLI: ``ticketing sla activate|policies|report|whatif|evidence|scheduler``."""

from __future__ import annotations

import getpass
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ticketing.aggregates.envelope import Actor
from ticketing.cli import sla_render as render
from ticketing.cli.app import app, fail, open_runtime, print_json
from ticketing.cli.history import parse_instant
from ticketing.commands.admin_messages import ActivatePolicy
from ticketing.commands.service import CommandContext
from ticketing.errors import TicketingError
from ticketing.queries.sla import DIMENSIONS, PERIODS
from ticketing.queries.sla_evidence import ticket_evidence
from ticketing.sla.policies import list_policies, resolve_policy
from ticketing.sla.reading import active_view, read_view, refresh
from ticketing.sla.validate import SLA_KIND, load_candidate
from ticketing.sla.whatif import build_candidate, run_whatif
from ticketing.sla.wiring import sla_scheduler
from ticketing.store.datastore import snapshot_transaction

if TYPE_CHECKING:
    from ticketing.sla.validate import SlaBundle

sla_app = typer.Typer(
    help="SLA policies, compliance figures, what-if, evidence, escalations.",
    no_args_is_help=True,
)
app.add_typer(sla_app, name="sla")

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
CalendarFiles = Annotated[
    list[Path] | None,
    typer.Option("--calendar", help="Calendar file for the policy (repeatable)."),
]
By = Annotated[
    str,
    typer.Option(help=f"Comma-separated dimensions: {', '.join(DIMENSIONS)}."),
]
Period = Annotated[str, typer.Option(help=f"Period length: {', '.join(PERIODS)}.")]


def _candidate(ref: str, calendars: list[Path] | None) -> SlaBundle:
    try:
        return load_candidate(ref, calendars or ())
    except TicketingError as exc:
        raise fail(exc.message, details=exc.details) from exc


def _dimensions(by: str, period: str) -> tuple[str, ...]:
    wanted = tuple(d.strip() for d in by.split(",") if d.strip())
    unknown = [d for d in wanted if d not in DIMENSIONS]
    if unknown or not wanted:
        raise fail(f"--by: choose from {', '.join(DIMENSIONS)} (got {by!r})")
    if period not in PERIODS:
        raise fail(f"--period: choose from {', '.join(PERIODS)} (got {period!r})")
    return wanted


@sla_app.command("activate")
def activate(
    ref: Annotated[str, typer.Argument(help="Policy file or published version.")],
    calendars: CalendarFiles = None,
    effective_from: Annotated[
        str | None,
        typer.Option("--effective-from", help="ISO 8601 time (default: now)."),
    ] = None,
    actor: Annotated[str | None, typer.Option(help="Who activates it.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Record that a policy version is in force from a time on (with its documents)."""
    instant = parse_instant(effective_from, "--effective-from")
    bundle = _candidate(ref, calendars)
    who = Actor(id=actor or f"cli:{getpass.getuser()}", role="admin", kind="human")
    command = ActivatePolicy(
        kind=SLA_KIND, documents=dict(bundle.documents), effective_from=instant
    )
    with open_runtime() as runtime:
        result = runtime.service.execute(command, CommandContext(actor=who))
    summary = {
        "version": bundle.version,
        "sha256": bundle.sha256,
        "effective_from": instant.isoformat() if instant else "now",
        "documents": sorted(bundle.documents),
        "position": result.position,
        "activated_by": who.id,
    }
    if as_json:
        print_json(summary)
        return
    typer.echo(
        f"SLA policy {bundle.version} activated (position {result.position}), "
        f"effective from {summary['effective_from']}"
    )


@sla_app.command("policies")
def policies(as_json: JsonFlag = False) -> None:
    """SLA activations recorded in the log, and the version in force now."""
    with open_runtime() as runtime:
        listing = list_policies(runtime.projections, runtime.clock.now())
    if as_json:
        print_json(listing.as_json())
        return
    render.policies(listing)


@sla_app.command("report")
def report(
    *,
    policy: Annotated[
        str | None,
        typer.Option(help="Judge every ticket by this policy (file or version)."),
    ] = None,
    calendars: CalendarFiles = None,
    by: By = "all,priority,queue",
    period: Period = "month",
    risk: Annotated[int, typer.Option(help="At-risk clocks to list.", min=0)] = 20,
    as_json: JsonFlag = False,
) -> None:
    """Compliance (% met, MTTA, MTTR) per dimension, and running clocks at risk."""
    options = render.ReportOptions(_dimensions(by, period), period, risk)
    with open_runtime() as runtime:
        bundle = (
            resolve_policy(runtime.projections, policy, calendars or ())
            if policy
            else None
        )
        refresh(runtime.projections)
        now = runtime.clock.now()
        with snapshot_transaction(runtime.engine) as conn:
            live = active_view(runtime.projections, conn)
            if bundle is None:
                data = render.report_data(conn, live, now, options)
            else:
                scratch = build_candidate(
                    runtime.projections.source, bundle, live.position
                )
                try:
                    with scratch.engine.connect() as s:
                        view = read_view(s, scratch.tables, live.position, bundle)
                        data = render.report_data(s, view, now, options)
                finally:
                    scratch.close()
    data["policy"] = (
        "live: each ticket by the version in force when it was opened"
        if bundle is None
        else f"{bundle.version} for every ticket (sha256 {bundle.sha256[:12]})"
    )
    if as_json:
        print_json(data)
        return
    render.report(data)


@sla_app.command("whatif")
def whatif(
    *,
    policy: Annotated[str, typer.Option(help="Candidate policy (file or version).")],
    calendars: CalendarFiles = None,
    by: By = "all,priority",
    period: Period = "month",
    limit: Annotated[int, typer.Option(help="Flipped clocks to show.", min=0)] = 50,
    as_json: JsonFlag = False,
) -> None:
    """A candidate policy side by side with the live one: figures and flips."""
    wanted = _dimensions(by, period)
    with open_runtime() as runtime:
        bundle = resolve_policy(runtime.projections, policy, calendars or ())
        refresh(runtime.projections)
        result = run_whatif(
            runtime.projections, bundle, runtime.clock.now(), wanted, period
        )
    if as_json:
        print_json(result.as_json())
        return
    render.whatif(result, limit)


@sla_app.command("evidence")
def evidence(
    ref: Annotated[str, typer.Argument(help="Ticket number (INC0000001) or id.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Clocks as of this time.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Every clock transition of one ticket, its cause, and the arithmetic."""
    instant = parse_instant(as_of, "--as-of")
    with open_runtime() as runtime:
        ticket_id = runtime.service.resolve_ref(ref)
        refresh(runtime.projections)
        data = ticket_evidence(
            runtime.projections, ticket_id, runtime.clock.now(), instant
        )
    if as_json:
        print_json(data)
        return
    render.evidence(data)


@sla_app.command("scheduler")
def scheduler(
    tick: Annotated[float, typer.Option(help="Seconds between passes.", min=0.1)] = 5.0,
    once: Annotated[bool, typer.Option(help="One pass, then exit.")] = False,
    refresh: Annotated[
        bool,
        typer.Option(help="Catch the SLA projection up before each pass."),
    ] = True,
    as_json: JsonFlag = False,
) -> None:
    """Escalate running clocks at their policy thresholds (one active per database)."""
    with open_runtime() as runtime:
        runner = sla_scheduler(runtime, tick_seconds=tick, refresh=refresh)
        if once:
            fired = runner.tick()
            runner.close()
            if as_json:
                print_json(render.fired(fired))
                return
            for f in fired:
                typer.echo(f"{f.key}: {f.status} {f.detail}".rstrip())
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: runner.stop.set())
        runner.run_forever()

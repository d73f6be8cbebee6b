"""``ticketing import ...``: command scripts and ServiceNow event logs.

``import_app`` is the ``import`` sub-command group; other modules (``import
events``) attach their commands to it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ticketing.cli.app import EXIT_BAD_INPUT, app, fail, open_runtime, print_json
from ticketing.cli.servicenow_view import echo_servicenow_report
from ticketing.commands.script_runner import run_script_lines
from ticketing.importers.servicenow.importer import import_servicenow

if TYPE_CHECKING:
    from ticketing.commands.script_report import ScriptReport

import_app = typer.Typer(
    name="import",
    help="Import history: command scripts, ServiceNow logs, exported events.",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")

JsonOption = Annotated[bool, typer.Option("--json", help="Print the report as JSON.")]


def read_lines(file: str) -> list[bytes]:
    """The lines of FILE (``-`` for standard input), undecoded."""
    if file == "-":
        return sys.stdin.buffer.read().splitlines()
    path = Path(file)
    if not path.is_file():
        raise fail(f"no such file: {file}")
    return path.read_bytes().splitlines()


@import_app.command("commands")
def import_commands(
    file: Annotated[str, typer.Argument(help="JSON Lines command script, or -.")],
    as_json: JsonOption = False,
) -> None:
    """Replay a command script: all-or-nothing per ticket; re-runs add nothing."""
    lines = read_lines(file)
    with open_runtime() as runtime:
        started = time.perf_counter()
        report = run_script_lines(runtime.service, lines)
        elapsed = time.perf_counter() - started
    if as_json:
        print_json({**report.as_dict(), "elapsed_s": round(elapsed, 3)})
    else:
        echo_script_report(report, elapsed)
    if not report.ok:
        raise typer.Exit(EXIT_BAD_INPUT)


def echo_script_report(report: ScriptReport, elapsed: float) -> None:
    """Human summary: counts, then every ticket that was not imported and why."""
    typer.echo(
        f"{len(report.tickets)} tickets: {report.count('imported')} imported, "
        f"{report.count('unchanged')} unchanged (already imported), "
        f"{report.count('not_imported')} not imported"
    )
    typer.echo(
        f"{report.applied} commands applied, {report.replayed} already applied; "
        f"{report.events} events in {elapsed:.2f}s"
    )
    for error in report.script_errors:
        typer.echo(f"line {error.line}: {error.code}: {error.message}", err=True)
    for ticket in report.failed():
        for error in ticket.errors:
            fields = ""
            if error.fields:
                fields = (
                    " (" + "; ".join(f"{k}: {v}" for k, v in error.fields.items()) + ")"
                )
            typer.echo(
                f"{ticket.label} not imported: line {error.line}: {error.code}: "
                f"{error.message}{fields}",
                err=True,
            )


@import_app.command("servicenow")
def import_servicenow_log(
    file: Annotated[str, typer.Argument(help="ServiceNow incident event log (CSV).")],
    timezone: Annotated[
        str,
        typer.Option(
            "--timezone",
            help="Zone of the source's local times (IANA name, e.g. Europe/Lisbon).",
        ),
    ] = "UTC",
    as_json: JsonOption = False,
) -> None:
    """Import a ServiceNow incident log; report what was adjusted and the agreement."""
    path = Path(file)
    if not path.is_file():
        raise fail(f"no such file: {file}")
    with (
        open_runtime() as runtime,
        path.open(newline="", encoding="utf-8", errors="replace") as src,
    ):
        started = time.perf_counter()
        report = import_servicenow(runtime.service, src, timezone)
        elapsed = time.perf_counter() - started
    if as_json:
        print_json({**report.as_dict(), "elapsed_s": round(elapsed, 3)})
    else:
        typer.echo(
            f"{report.source_rows} rows, {report.incidents} incidents "
            f"(times read as {report.zone})"
        )
        echo_script_report(report.script, elapsed)
        echo_servicenow_report(report)
    if not report.ok:
        raise typer.Exit(EXIT_BAD_INPUT)

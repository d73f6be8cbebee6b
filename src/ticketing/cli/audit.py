"""Auditor commands: ``verify``, ``seal``, ``export`` and ``import events``."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path  # noqa: TC003 - typer reads the annotations at runtime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from ticketing.cli.app import (
    EXIT_CHECK_FAILED,
    app,
    fail,
    guarded,
    open_runtime,
    print_json,
)
from ticketing.cli.imports import import_app
from ticketing.store.log_export import export_log, export_to_path
from ticketing.store.log_import import import_event_log
from ticketing.store.seal import Seal, parse_seal
from ticketing.store.verify import make_seal, verify_log

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from ticketing.store.findings import Finding
    from ticketing.store.log_export import ExportSummary
    from ticketing.store.verify import VerifyReport

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print a machine-readable JSON report.")
]


@contextmanager
def progress_bar(label: str, *, enabled: bool) -> Iterator[Callable[[int, int], None]]:
    """A ``progress(done, total)`` callback drawing on stderr when it is a terminal."""
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),  # stdout may be the export itself
        transient=True,
        disable=not (enabled and sys.stderr.isatty()),
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


@app.command("verify")
def verify_command(
    as_json: JsonOption = False,
    seal_file: Annotated[
        Path | None,
        typer.Option(
            "--seal",
            help="A checkpoint written by `ticketing seal`: also prove that the "
            "log still extends it (detects a truncated or rewritten history).",
        ),
    ] = None,
) -> None:
    """Check the hash chain of the whole log; exit 1 on any tampering."""
    seal = None if seal_file is None else read_seal(seal_file)
    with open_runtime() as runtime, progress_bar("verify", enabled=not as_json) as cb:
        report = verify_log(runtime.recorder, seal=seal, progress=cb)
    if as_json:
        print_json(report.as_dict())
    else:
        render_report(report)
    if not report.ok:
        raise typer.Exit(EXIT_CHECK_FAILED)


@app.command("seal")
def seal_command(as_json: JsonOption = False) -> None:
    """Verify the log, then print a checkpoint (JSON) to keep outside the database."""
    with open_runtime() as runtime, progress_bar("verify", enabled=not as_json) as cb:
        report = verify_log(runtime.recorder, progress=cb)
        if not report.ok:
            if as_json:
                print_json(report.as_dict())
            else:
                render_report(report)
            typer.echo(
                "error: refusing to seal a log that fails verification", err=True
            )
            raise typer.Exit(EXIT_CHECK_FAILED)
        seal = make_seal(report, runtime.clock)
    print_json(seal.as_dict())
    if not as_json:
        typer.echo(
            f"sealed position {seal.position} ({seal.events} events) at "
            f"{seal.sealed_at}; keep the JSON above outside the database and "
            "check it later with `ticketing verify --seal FILE`",
            err=True,
        )


def read_seal(path: Path) -> Seal:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"cannot read seal file {path}: {exc}") from exc
    return guarded(lambda: parse_seal(text, str(path)))


def render_report(report: VerifyReport) -> None:
    scope = f"{report.events} events up to position {report.head_position}"
    if report.ok:
        sealed = ""
        if report.seal is not None:
            sealed = (
                f"; extends the seal at position {report.seal.position} "
                f"({report.seal.sealed_at})"
            )
        typer.echo(
            f"OK: {scope}: hash chain intact, versions continuous{sealed}\n"
            f"head hash: {report.head_hash}"
        )
        return
    typer.echo(f"FAILED: {len(report.findings)} problem(s) in {scope}")
    for finding in report.findings:
        typer.echo(render_finding(finding))


def render_finding(finding: Finding) -> str:
    lines = [
        f"  [{finding.check}] {finding.kind} at position {finding.position}: "
        f"{finding.message}",
        f"      expected: {finding.expected}",
        f"      found:    {finding.found}",
    ]
    lines.extend(f"      {key}: {value}" for key, value in finding.details.items())
    return "\n".join(lines)


@app.command("export")
def export_command(
    since: Annotated[
        int,
        typer.Option("--since", min=0, help="Only the events after this position."),
    ] = 0,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write to FILE (atomically) instead of stdout."
        ),
    ] = None,
) -> None:
    """Write the log as portable JSON Lines (format: docs/event-log.md)."""
    with open_runtime() as runtime, progress_bar("export", enabled=True) as cb:
        if output is None:
            out = sys.stdout.buffer
            summary = export_log(runtime.recorder, out, since=since, progress=cb)
            out.flush()
        else:
            summary = export_to_path(runtime.recorder, output, since=since, progress=cb)
    report_export(summary, "stdout" if output is None else str(output))


def report_export(summary: ExportSummary, target: str) -> None:
    h = summary.header
    typer.echo(
        f"exported {h.events} events (after position {h.after_position} up to "
        f"{h.last_position}, head hash {h.last_hash}) to {target}",
        err=True,
    )
    if summary.broken is not None:
        typer.echo(
            "warning: the stored log fails verification; the export is a faithful "
            "copy but `ticketing import events` will refuse it:",
            err=True,
        )
        typer.echo(render_finding(summary.broken), err=True)
        raise typer.Exit(EXIT_CHECK_FAILED)


@import_app.command("events")
def import_events_command(
    file: Annotated[
        Path, typer.Argument(help="A portable log written by `ticketing export`.")
    ],
    as_json: JsonOption = False,
) -> None:
    """Load a portable log into an EMPTY store (all or nothing), verifying its chain."""
    try:
        source = file.open("rb")
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc.strerror}") from exc
    with (
        source,
        open_runtime() as runtime,
        progress_bar("import", enabled=not as_json) as cb,
    ):
        summary = import_event_log(runtime.app, source, progress=cb)
    if as_json:
        print_json(summary.as_dict())
    else:
        typer.echo(
            f"imported {summary.events} events ({summary.aggregates} aggregates, "
            f"{summary.commands} commands) up to position {summary.last_position}; "
            "chain verified, write-side indexes rebuilt"
        )

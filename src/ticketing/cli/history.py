"""CLI: the history of one ticket, and queue listings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ticketing.cli.app import app, fail, open_runtime, print_json
from ticketing.queries.history import get_history

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def parse_instant(value: str | None, name: str) -> datetime | None:
    """An ISO 8601 instant; a time zone is required (no guessing)."""
    if value is None:
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise fail(f"{name}: {value!r} is not an ISO 8601 time") from None
    if instant.tzinfo is None:
        raise fail(f"{name}: {value!r} has no time zone (add Z or +01:00)")
    return instant


@app.command("history")
def history(
    ref: Annotated[str, typer.Argument(help="Ticket number (INC0000001) or id.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="State as of this time (ISO 8601).")
    ] = None,
    version: Annotated[
        int | None, typer.Option("--version", help="State as of this version.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Every event of a ticket with who/when/why and what changed; or its state at T."""
    instant = parse_instant(as_of, "--as-of")
    with open_runtime() as runtime:
        result = get_history(
            runtime.service,
            runtime.projections.source,
            ref,
            as_of=instant,
            version=version,
        )
    if as_json:
        print_json(result.as_json())
        return
    console = Console()
    title = f"{result.number} ({result.ticket_id})"
    if instant or version:
        title += f" as of {instant.isoformat() if instant else f'version {version}'}"
    table = Table("v", "pos", "occurred", "event", "actor", "changes", title=title)
    for e in result.entries:
        changes = ", ".join(f"{k}: {b!r} -> {a!r}" for k, (b, a) in e.changes.items())
        actor = f"{e.envelope.actor.id} ({e.envelope.actor.kind})"
        table.add_row(
            str(e.version),
            str(e.position),
            e.occurred_at.isoformat(),
            e.event_type,
            actor,
            changes,
        )
    console.print(table)
    console.print(
        f"state: {result.state['state']}, priority {result.state['priority']}, "
        f"queue {result.state['queue']}, assignee {result.state['assignee']}"
    )

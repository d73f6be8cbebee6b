"""``ticketing demo``: write a realistic synthetic history (deterministic per seed)."""

from __future__ import annotations

from typing import Annotated

import typer

from ticketing.cli.app import EXIT_BAD_INPUT, app, open_runtime, print_json
from ticketing.demo.run import DEFAULT_SEED, DEFAULT_TICKETS, DemoSummary, run_demo


@app.command("demo")
def demo(
    tickets: Annotated[
        int, typer.Option("--tickets", min=1, max=1_000_000, help="How many tickets.")
    ] = DEFAULT_TICKETS,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same history.")] = (
        DEFAULT_SEED
    ),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Write a synthetic history through the command service; re-runs add nothing."""
    with open_runtime() as runtime:
        summary = run_demo(runtime.service, tickets=tickets, seed=seed)
    if as_json:
        print_json(summary.as_dict())
    else:
        _echo(summary)
    if not summary.report.ok:
        raise typer.Exit(EXIT_BAD_INPUT)


def _echo(summary: DemoSummary) -> None:
    data = summary.as_dict()
    typer.echo(
        f"demo (seed {summary.seed}): {data['tickets']} tickets, "
        f"{data['written']} written, {data['already_present']} already present"
    )
    kinds = ", ".join(f"{n} {k}" for k, n in summary.types.items())
    states = ", ".join(f"{n} {k}" for k, n in summary.states.items())
    typer.echo(f"  types: {kinds}")
    typer.echo(f"  states now: {states}")
    typer.echo(
        f"  {data['events_written']} events written from {summary.steps} commands "
        f"in {summary.elapsed:.2f}s"
    )
    if summary.first_at and summary.last_at:
        typer.echo(
            f"  time span: {summary.first_at:%Y-%m-%d %H:%M} .. "
            f"{summary.last_at:%Y-%m-%d %H:%M} UTC"
        )
    for ticket in summary.report.failed():
        for error in ticket.errors:
            typer.echo(
                f"  {ticket.label}: line {error.line}: {error.message}", err=True
            )

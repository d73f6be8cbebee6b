"""CLI: projections run/status/drop, rebuild, verify-projection."""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from ticketing.cli.app import EXIT_CHECK_FAILED, app, fail, open_runtime, print_json
from ticketing.projections.manage import REBUILD_BATCH
from ticketing.projections.runner import ProjectionRunner
from ticketing.projections.verify import verify_projection
from ticketing.queries.status import ProjectionStatus, projection_status

if TYPE_CHECKING:
    from ticketing.projections.base import Projection
    from ticketing.projections.catchup import BatchDone
    from ticketing.runtime import Runtime

projections_app = typer.Typer(
    help="Run projections and show their status.", no_args_is_help=True
)
app.add_typer(projections_app, name="projections")

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


@projections_app.command("run")
def run(
    names: Annotated[
        list[str] | None, typer.Argument(help="Projections (default: all).")
    ] = None,
    batch: Annotated[int, typer.Option(min=1, max=100_000)] = 1000,
) -> None:
    """Keep projections caught up until interrupted (Ctrl-C / SIGTERM)."""
    with open_runtime() as runtime:
        selected = runtime.projections.select(names)
        runner = ProjectionRunner(
            runtime.projections, selected, runtime.wakeup(), batch_size=batch
        )
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: runner.stop.set())
        runner.run_forever()


@projections_app.command("status")
def status(as_json: JsonFlag = False) -> None:
    """Checkpoint, head, lag, heartbeat and errors of every projection generation."""
    with open_runtime() as runtime:
        runtime.projections.ensure_all_active()
        rows = projection_status(runtime.projections, runtime.projections.clock.now())
    if as_json:
        print_json([r.as_json() for r in rows])
        return
    _print_status(rows)


def _problems(r: ProjectionStatus) -> list[str]:
    problems = []
    if r.error:
        problems.append(f"FAILED at {r.error['position']}: {r.error['message']}")
    if r.code_version != r.current_code_version:
        problems.append(
            f"built by code v{r.code_version}, this is v{r.current_code_version}: "
            f"`ticketing rebuild {r.key}`"
        )
    if r.last_interruption:
        problems.append(
            f"{r.interruptions} interruption(s), last at "
            f"{r.last_interruption['at']}: {r.last_interruption['message']}"
        )
    return problems


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 3 * 3600:
        return f"{value / 3600:.0f}h"
    return f"{value:.0f}"


def _print_status(rows: list[ProjectionStatus]) -> None:
    """A table that fits 80 columns; problems as lines below it."""
    table = Table(box=None, header_style="bold")
    for name in ("projection", "gen", "runner", "ckpt/head"):
        table.add_column(name, no_wrap=True)
    for name in ("lag", "lag s", "beat s", "ev/s"):
        table.add_column(name, justify="right", no_wrap=True)
    for r in rows:
        table.add_row(
            r.key,
            f"{r.generation} {r.status}",
            r.runner,
            f"{r.checkpoint}/{r.head}",
            str(r.lag_events),
            _seconds(r.lag_seconds),
            _seconds(r.heartbeat_age_seconds),
            "-" if r.events_per_second is None else f"{r.events_per_second:.0f}",
        )
    console = Console()
    console.print(table)
    for r in rows:
        for problem in _problems(r):
            console.print(f"{r.key} g{r.generation}: {problem}", markup=False)


@projections_app.command("drop")
def drop(
    name: str,
    generation: Annotated[int, typer.Option("--generation", "-g", min=1)],
) -> None:
    """Drop a retired (or abandoned building) generation's tables."""
    with open_runtime() as runtime:
        projection = runtime.projections.select([name])[0]
        runtime.projections.drop_generation(projection, generation)
    typer.echo(f"dropped {name} generation {generation}")


def _targets(
    runtime: Runtime, names: list[str] | None, all_: bool
) -> list[Projection[Any]]:
    if not names and not all_:
        raise fail("name one or more projections, or pass --all")
    return runtime.projections.select(None if all_ else names)


@app.command("rebuild")
def rebuild(
    names: Annotated[
        list[str] | None, typer.Argument(help="Projections to rebuild.")
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Rebuild every projection.")
    ] = False,
    drop_old: Annotated[
        bool, typer.Option(help="Drop the replaced generation.")
    ] = False,
    batch: Annotated[int, typer.Option(min=1, max=100_000)] = REBUILD_BATCH,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Rebuild side by side from position 0, then switch atomically (resumable).

    Several projections are rebuilt together: the log is read and decoded
    once for all of them.
    """
    with open_runtime() as runtime:
        host = runtime.projections
        targets = _targets(runtime, names, all_)
        previous: dict[str, int | None] = {}
        starts = []
        for projection in targets:
            host.ensure_active(projection)
            previous[projection.key] = _active_generation(runtime, projection.key)
            starts.append(host.start_or_resume_rebuild(projection))
        head = host.source.head()
        label = "+".join(
            f"{p.key} g{g.generation}" for p, g in zip(targets, starts, strict=True)
        )
        with Progress(
            TextColumn(label),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} ev/s"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            disable=quiet,
        ) as progress:
            task = progress.add_task(
                "rebuild",
                total=max(head, 1),
                completed=min(g.position for g in starts),
                rate="-",
            )

            def on_batch(done: BatchDone) -> None:
                rate = f"{done.events / done.seconds:,.0f}" if done.seconds else "-"
                progress.update(
                    task, completed=done.position, total=max(done.head, 1), rate=rate
                )

            if len(targets) == 1:
                built = [host.rebuild(targets[0], on_batch=on_batch, batch_size=batch)]
            else:
                built = host.rebuild_together(
                    targets, on_batch=on_batch, batch_size=batch
                )
        for projection, gen in zip(targets, built, strict=True):
            typer.echo(
                f"{projection.key}: generation {gen.generation} active "
                f"at position {gen.position}"
            )
            old = previous[projection.key]
            if drop_old and old is not None and old != gen.generation:
                host.drop_generation(projection, old)
                typer.echo(f"{projection.key}: dropped generation {old}")


def _active_generation(runtime: Runtime, key: str) -> int | None:
    from ticketing.projections import registry  # noqa: PLC0415
    from ticketing.store.datastore import read_transaction  # noqa: PLC0415

    with read_transaction(runtime.engine) as conn:
        gen = registry.get_active(conn, key)
    return None if gen is None else gen.generation


@app.command("verify-projection")
def verify_projection_cmd(
    names: Annotated[
        list[str] | None, typer.Argument(help="Projections to check.")
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Check every projection.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Rebuild in scratch space, compare digests with the live view (1 on drift)."""
    with open_runtime() as runtime:
        results = [
            verify_projection(runtime.projections, p)
            for p in _targets(runtime, names, all_)
        ]
    if as_json:
        print_json([r.as_json() for r in results])
    else:
        for r in results:
            verdict = "OK" if r.matches else "DRIFT"
            typer.echo(
                f"{r.key}: {verdict} at position {r.position} "
                f"(live {r.live.sha256[:16]}, rebuilt {r.rebuilt.sha256[:16]})"
            )
            for d in r.differences:
                typer.echo(f"  {d.table} {d.key}: live={d.live} rebuilt={d.rebuilt}")
    if not all(r.matches for r in results):
        raise typer.Exit(EXIT_CHECK_FAILED)

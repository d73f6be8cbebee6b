"""Human rendering of a ServiceNow import report."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from ticketing.importers.servicenow.importer import ServiceNowReport


def echo_servicenow_report(report: ServiceNowReport) -> None:
    """Rows skipped or adjusted (by kind), then agreement and every mismatch."""
    typer.echo("rows skipped or adjusted, and mapping decisions:")
    for kind, count in report.note_counts().items():
        typer.echo(f"  {kind:<28} {count:>5}")
    typer.echo("engine figures vs source columns:")
    for figure in report.agreement:
        typer.echo(
            f"  {figure.figure:<20} {figure.agreed}/{figure.compared} agree "
            f"({figure.percent:.2f} %), {figure.explained} of "
            f"{len(figure.mismatches)} mismatches explained, "
            f"{len(figure.source_missing)} without a source value"
        )
        for m in figure.mismatches:
            typer.echo(
                f"    {m.incident}: engine {m.engine} / source {m.source}: "
                f"{m.explanation}"
            )

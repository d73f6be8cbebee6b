"""Human output of the ``ticketing sla`` commands (rich tables)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from ticketing.policies.policy_file import format_duration
from ticketing.queries.sla import at_risk, compliance, live_counts
from ticketing.sla.evidence import instant_text

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.engine import Connection

    from ticketing.automation.scheduler import Fired
    from ticketing.sla.policies import PolicyListing
    from ticketing.sla.reading import SlaView
    from ticketing.sla.whatif import Side, WhatIf


def _duration(seconds: float | None) -> str:
    """Whole minutes: means are for reading, the JSON keeps the exact seconds."""
    if seconds is None:
        return "-"
    return format_duration(timedelta(minutes=round(seconds / 60)))


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """What a report groups by, over which period, and how many at-risk clocks."""

    dimensions: tuple[str, ...]
    period: str
    risk: int


def report_data(
    conn: Connection, view: SlaView, now: datetime, options: ReportOptions
) -> dict[str, Any]:
    """Everything ``ticketing sla report --json`` prints."""
    rows = compliance(
        conn, view.tables, options.dimensions, options.period, totals=True
    )
    counts = live_counts(conn, view.tables, now, totals=True)
    risky = at_risk(conn, view.tables, now, view.calendar_of, limit=options.risk)
    return {
        "now": instant_text(now),
        "position": view.position,
        "period": options.period,
        "compliance": [r.as_json() for r in rows],
        "live": {
            "running": counts.running,
            "paused": counts.paused,
            "overdue": counts.overdue,
        },
        "at_risk": [a.as_json() for a in risky],
    }


def _compliance_table(title: str, rows: list[dict[str, Any]]) -> Table:
    table = Table(
        "by",
        "group",
        "metric",
        "met",
        "breached",
        "% met",
        "mean business",
        "mean wall",
        title=title,
    )
    for r in rows:
        pct = r["percent_met"]
        table.add_row(
            r["dimension"],
            r["key"],
            r["metric"],
            str(r["met"]),
            str(r["breached"]),
            "-" if pct is None else f"{pct:.1f}",
            _duration(r["mean_business_seconds"]),
            _duration(r["mean_wall_seconds"]),
        )
    return table


def report(data: dict[str, Any]) -> None:
    console = Console()
    title = f"SLA compliance ({data['policy']}) at position {data['position']}"
    console.print(_compliance_table(title, data["compliance"]))
    console.print(
        "MTTA = mean of response clocks, MTTR = mean of resolution clocks; "
        "business time excludes pauses and closed hours."
    )
    live = data["live"]
    console.print(
        f"live clocks: {live['running']} running, {live['paused']} paused, "
        f"{live['overdue']} past target"
    )
    risky = Table(
        "ticket", "metric", "priority", "queue", "% elapsed", "due", title="At risk"
    )
    for a in data["at_risk"]:
        risky.add_row(
            a["number"],
            a["metric"],
            a["priority"],
            a["queue"] or "-",
            f"{a['percent']:.0f}%",
            (a["due_at"] or "-") + (" OVERDUE" if a["overdue"] else ""),
        )
    console.print(risky)


def _side_rows(side: Side) -> list[dict[str, Any]]:
    return [r.as_json() for r in side.compliance]


def whatif(result: WhatIf, limit: int) -> None:
    console = Console()
    console.print(_compliance_table(f"old: {result.old.label}", _side_rows(result.old)))
    console.print(_compliance_table(f"new: {result.new.label}", _side_rows(result.new)))
    console.print(
        f"{len(result.flips)} of {result.clocks_compared} clocks change outcome "
        f"(position {result.position}, built in {result.build_seconds:.1f}s)"
    )
    table = Table("ticket", "metric", "cycle", "old", "new", "old due", "new due")
    for flip in result.flips[:limit]:
        table.add_row(
            flip.number,
            flip.metric,
            str(flip.cycle),
            flip.old.outcome if flip.old else "-",
            flip.new.outcome if flip.new else "-",
            instant_text(flip.old.due_at or flip.old.breached_at) or "-"
            if flip.old
            else "-",
            instant_text(flip.new.due_at or flip.new.breached_at) or "-"
            if flip.new
            else "-",
        )
    console.print(table)
    if len(result.flips) > limit:
        console.print(f"... {len(result.flips) - limit} more (use --json or --limit)")


def evidence(data: dict[str, Any]) -> None:
    console = Console()
    policy = data["policy"]
    console.print(
        f"{data['number']} ({data['ticket_id']}) as of {data['as_of']}: policy "
        f"{policy['version']} ({policy['source']})"
    )
    for clock in data["clocks"]:
        console.print(
            f"\n[bold]{clock['metric']}[/bold] cycle {clock['cycle']} "
            f"#{clock['sequence']}: {clock['state']}, elapsed {clock['elapsed']} of "
            f"{clock['target']} ({clock['priority']}, {clock['calendar_version']}); "
            f"due {clock['due_at'] or '-'}, breached {clock['breached_at'] or '-'}"
        )
        transitions = Table("at", "transition", "detail", "cause (version @ position)")
        for t in clock["transitions"]:
            cause = t["cause"]
            transitions.add_row(
                t["at"],
                t["kind"],
                t["detail"],
                f"{cause['event_type']} v{cause['version']} @ {cause['position']}",
            )
        console.print(transitions)
        lines = Table("running from", "to", "business time", "cumulative")
        for line in clock["arithmetic"]:
            end = line["end"] + (" (ongoing)" if line["ongoing"] else "")
            lines.add_row(line["start"], end, line["business_time"], line["cumulative"])
        console.print(lines)


def policies(listing: PolicyListing) -> None:
    data = listing.as_json()
    console = Console()
    current = data["in_force"]
    console.print(f"in force now: {current['version']} ({current['source']})")
    table = Table("position", "version", "effective from", "activated", "by", "sha256")
    for a in data["activations"]:
        table.add_row(
            str(a["position"]),
            a["version"],
            a["effective_from"],
            a["activated_at"],
            a["activated_by"],
            a["sha256"][:12],
        )
    console.print(table)
    console.print(f"published versions: {', '.join(data['published'])}")


def fired(results: list[Fired]) -> list[dict[str, str]]:
    return [{"key": f.key, "status": f.status, "detail": f.detail} for f in results]

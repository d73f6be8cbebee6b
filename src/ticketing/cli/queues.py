"""CLI: queue listings and counts, live or as they were (``ticketing queue ...``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ticketing.cli.app import app, guarded, open_runtime, print_json
from ticketing.cli.history import parse_instant
from ticketing.queries.as_of import queue_view_as_of
from ticketing.queries.queues import SORTS, QueueFilter, list_queue, queue_counts
from ticketing.store.datastore import read_transaction

if TYPE_CHECKING:
    from datetime import datetime

    from ticketing.queries.queues import Page
    from ticketing.runtime import Runtime

queue_app = typer.Typer(
    help="Queue views: list and count tickets, live or as of a position or time.",
    no_args_is_help=True,
)
app.add_typer(queue_app, name="queue")

SORT_NAMES = ", ".join(SORTS)
JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
Many = Annotated[list[str] | None, typer.Option(help="Repeat to allow several.")]
AtPosition = Annotated[
    int | None,
    typer.Option("--at-position", help="As a runner at this log position served it."),
]
AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="Events that had occurred by this time (ISO 8601)."),
]


@dataclass(frozen=True, slots=True)
class PointInTime:
    position: int | None
    as_of: datetime | None

    @property
    def past(self) -> bool:
        return self.position is not None or self.as_of is not None


def _filter(
    *,
    queue: str | None,
    group: str | None,
    assignee: str | None,
    state: list[str] | None,
    priority: list[str] | None,
    unassigned: bool,
) -> QueueFilter:
    values: dict[str, Any] = {
        "queue": queue,
        "group": group,
        "assignee": assignee,
        "priorities": tuple(priority or ()),
        "unassigned": unassigned,
    }
    if state:
        values["states"] = () if state == ["all"] else tuple(state)
    return guarded(lambda: QueueFilter(**values))


@queue_app.command("list")
def list_cmd(
    *,
    queue: Annotated[str | None, typer.Option(help="Only this queue.")] = None,
    group: Annotated[str | None, typer.Option(help="Only this group.")] = None,
    assignee: Annotated[str | None, typer.Option(help="Only this agent.")] = None,
    state: Many = None,
    priority: Many = None,
    unassigned: Annotated[bool, typer.Option(help="Only unassigned.")] = False,
    sort: Annotated[
        str, typer.Option(help=f"One of: {', '.join(SORTS)}.")
    ] = "priority",
    limit: Annotated[int, typer.Option(help="Page size.")] = 50,
    cursor: Annotated[str | None, typer.Option(help="From a previous page.")] = None,
    at_position: AtPosition = None,
    as_of: AsOf = None,
    as_json: JsonFlag = False,
) -> None:
    """Tickets of a queue (default: open ones), sorted, a page at a time.

    --state takes new, in_progress, on_hold, resolved, closed, canceled or all.
    """
    flt = _filter(
        queue=queue,
        group=group,
        assignee=assignee,
        state=state,
        priority=priority,
        unassigned=unassigned,
    )
    when = PointInTime(at_position, parse_instant(as_of, "--as-of"))
    with open_runtime() as runtime:
        head = runtime.projections.source.head()
        now = when.as_of or runtime.clock.now()
        page = _page(runtime, when, flt, (sort, limit, cursor))
    if as_json:
        print_json({**page.as_json(now), "head": head, "as_of": _iso(when.as_of)})
        return
    _print_page(page, head, now)


@queue_app.command("counts")
def counts_cmd(
    *,
    queue: Annotated[str | None, typer.Option(help="Only this queue.")] = None,
    group: Annotated[str | None, typer.Option(help="Only this group.")] = None,
    assignee: Annotated[str | None, typer.Option(help="Only this agent.")] = None,
    state: Many = None,
    priority: Many = None,
    unassigned: Annotated[bool, typer.Option(help="Only unassigned.")] = False,
    at_position: AtPosition = None,
    as_of: AsOf = None,
    as_json: JsonFlag = False,
) -> None:
    """Ticket counts per queue x state x priority (default: open tickets)."""
    flt = _filter(
        queue=queue,
        group=group,
        assignee=assignee,
        state=state,
        priority=priority,
        unassigned=unassigned,
    )
    when = PointInTime(at_position, parse_instant(as_of, "--as-of"))
    with open_runtime() as runtime:
        position, counts = _counts(runtime, when, flt)
    if as_json:
        print_json({"position": position, "as_of": _iso(when.as_of), "counts": counts})
        return
    table = Table("queue", "state", "priority", "count", title=f"position {position}")
    for c in counts:
        table.add_row(str(c["queue"]), c["state"], c["priority"], str(c["count"]))
    Console().print(table)


def _page(
    runtime: Runtime, when: PointInTime, flt: QueueFilter, paging: tuple[Any, ...]
) -> Page:
    sort, limit, cursor = paging
    if when.past:
        source = runtime.projections.source
        with queue_view_as_of(source, position=when.position, as_of=when.as_of) as past:
            return past.page(flt, sort=sort, limit=limit, cursor=cursor)
    with read_transaction(runtime.engine) as conn:
        view = runtime.projections.active_view(conn, "queue_view")
        return list_queue(
            conn,
            view.tables.tickets,
            view.generation.position,
            flt,
            sort=sort,
            limit=limit,
            cursor=cursor,
        )


def _counts(
    runtime: Runtime, when: PointInTime, flt: QueueFilter
) -> tuple[int, list[dict[str, Any]]]:
    if when.past:
        source = runtime.projections.source
        with queue_view_as_of(source, position=when.position, as_of=when.as_of) as past:
            return past.position, past.counts(flt)
    host = runtime.projections
    with read_transaction(runtime.engine) as conn:
        host.active_view(conn, "queue_view")  # never built: says so
    # a generation built before its counts table existed gets it now
    host.ensure_active(host.select(["queue_view"])[0])
    with read_transaction(runtime.engine) as conn:
        view = host.active_view(conn, "queue_view")
        return view.generation.position, queue_counts(conn, view.tables, flt)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _print_page(page: Page, head: int, now: datetime) -> None:
    table = Table(box=None, header_style="bold")
    table.add_column("number", no_wrap=True)
    table.add_column("title", overflow="ellipsis", max_width=24, no_wrap=True)
    for column in ("pri", "state", "queue/group", "assignee", "hold"):
        table.add_column(column, no_wrap=True)
    table.add_column("esc", justify="right")
    table.add_column("age h", justify="right", no_wrap=True)
    table.add_column("SLA due", no_wrap=True)
    for item in page.items:
        table.add_row(
            item.number,
            item.title,
            item.priority,
            item.state,
            f"{item.queue or '-'}/{item.group or '-'}",
            item.assignee or "-",
            item.hold_reason or "-",
            str(item.escalation_level),
            f"{item.age_seconds(now) / 3600:.0f}",
            item.sla_due_at.isoformat(timespec="minutes") if item.sla_due_at else "-",
        )
    console = Console()
    console.print(table)
    lag = f" (log head {head})" if head != page.position else ""
    console.print(f"{len(page.items)} of {page.total} at position {page.position}{lag}")
    if page.next_cursor:
        console.print(
            f"next page: --cursor {page.next_cursor}", markup=False, soft_wrap=True
        )

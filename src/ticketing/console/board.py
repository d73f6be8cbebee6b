"""The queue board: open tickets per queue with state, priority, assignee, age, SLA.

Served from the ``queue_view`` projection exactly as ``GET /tickets`` is
(same filter, same role rule: a requester only ever sees their own tickets),
with each ticket's earliest SLA due and warning instants from the SLA
projection read in the same transaction. The board is paged with the queue
query's keyset cursors (``cursor`` for the next page, ``before`` for the
previous one), with the total and the rows' place in it shown. The browser
refreshes the board region when the event stream reports a new event, asking
for the position it was told about, so the fragment it gets already includes
that event; a refresh keeps the page's cursor, so the reader stays on it.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlencode

from sqlalchemy import select
from starlette.requests import Request

from ticketing.aggregates.vocabulary import PRIORITIES, STATES
from ticketing.console.pages import page
from ticketing.http.consistency import read_projection
from ticketing.http.payloads import MAX_POSITION, QueryArgs
from ticketing.queries.queues import SORTS, QueueFilter, list_queue, queue_counts
from ticketing.queries.sla import due_times
from ticketing.sla.projection import SLA_KEY

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.engine import Connection
    from starlette.responses import Response

    from ticketing.console.pages import Page
    from ticketing.projections.manage import ActiveView
    from ticketing.queries.rows import QueueItem

#: Rows per board page.
PAGE_SIZE: Final = 100
FILTERS: Final = ("queue", "assignee", "state", "priority", "sort")
PAGING: Final = ("cursor", "before")
#: Far above any real cursor (a few sort values, base64).
MAX_CURSOR_CHARS: Final = 1000
SORT_LABELS: Final = {
    "priority": "priority, then oldest",
    "age": "oldest first",
    "updated": "recently updated",
    "number": "number",
    "due": "SLA due soonest",
    "at_risk": "most at risk",
}


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One ticket on the board, with its SLA highlight at ``now``."""

    item: QueueItem
    age_seconds: float
    due_at: datetime | None
    warn_at: datetime | None
    risk: str  # "overdue" | "at_risk" | "ok" | "none"


@dataclass(frozen=True, slots=True)
class Board:
    queues: OrderedDict[str, list[BoardRow]]
    total: int
    shown: int
    #: Matching tickets before this page (its first row is number offset + 1).
    offset: int
    next_cursor: str | None
    prev_cursor: str | None
    position: int
    queue_names: list[str]
    sla: bool


def risk_of(due_at: datetime | None, warn_at: datetime | None, now: datetime) -> str:
    """How a ticket's earliest running SLA clock stands at ``now``."""
    if due_at is None:
        return "none"
    if due_at <= now:
        return "overdue"
    if warn_at is not None and warn_at <= now:
        return "at_risk"
    return "ok"


def _without_blanks(request: Request) -> Request:
    """The request with empty query values dropped (a form's unset fields)."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if v.strip()]
    return Request({**request.scope, "query_string": urlencode(kept).encode()})


@dataclass(frozen=True, slots=True)
class BoardQuery:
    flt: QueueFilter
    sort: str
    min_position: int | None
    params: dict[str, Any]
    cursor: str | None = None
    before: str | None = None


def _cursor(q: QueryArgs, name: str) -> str | None:
    """A paging cursor as given (the queue query decodes it), bounded in length."""
    value = q.raw(name)
    if value is not None and len(value) > MAX_CURSOR_CHARS:
        q.problems[name] = f"longer than {MAX_CURSOR_CHARS} characters: not a cursor"
        return None
    return value


def _board_query(p: Page) -> BoardQuery:
    q = QueryArgs(_without_blanks(p.request), (*FILTERS, *PAGING, "min_position"))
    principal = p.user.principal
    states = q.choices("state", STATES)
    priorities = q.choices("priority", PRIORITIES)
    queue = q.string("queue")
    assignee = q.string("assignee")
    sort = q.choice("sort", tuple(SORTS)) or "priority"
    min_position = q.integer("min_position", 0, MAX_POSITION)
    cursor, before = _cursor(q, "cursor"), _cursor(q, "before")
    q.done()
    flt = QueueFilter(
        queue=queue,
        assignee=assignee,
        requester_id=principal.id if principal.is_requester else None,
        states=states or QueueFilter().states,
        priorities=priorities,
    )
    params = {
        "queue": queue or "",
        "assignee": assignee or "",
        "state": list(states),
        "priority": list(priorities),
        "sort": sort,
    }
    return BoardQuery(flt, sort, min_position, params, cursor, before)


async def _read_board(p: Page, bq: BoardQuery, now: datetime) -> Board:
    host = p.api.runtime.projections
    has_sla = SLA_KEY in host.projections
    sort = bq.sort if has_sla or bq.sort not in ("due", "at_risk") else "priority"

    def query(conn: Connection, view: ActiveView) -> Board:
        sla = None
        if has_sla:
            sla = due_times(host.active_view(conn, SLA_KEY).tables)
        page_ = list_queue(
            conn,
            view.tables.tickets,
            view.generation.position,
            bq.flt,
            sort=sort,
            limit=PAGE_SIZE,
            cursor=bq.cursor,
            before=bq.before,
            sla=sla,
            with_offset=True,
        )
        warn = _warn_times(conn, sla, [i.ticket_id for i in page_.items])
        queues: OrderedDict[str, list[BoardRow]] = OrderedDict()
        for item in page_.items:
            warn_at = warn.get(item.ticket_id)
            queues.setdefault(item.queue or "(no queue)", []).append(
                BoardRow(
                    item=item,
                    age_seconds=item.age_seconds(now),
                    due_at=item.sla_due_at,
                    warn_at=warn_at,
                    risk=risk_of(item.sla_due_at, warn_at, now),
                )
            )
        everywhere = QueueFilter(requester_id=bq.flt.requester_id, states=())
        names = sorted(
            {r["queue"] for r in queue_counts(conn, view.tables, everywhere)} - {None}
        )
        return Board(
            queues=OrderedDict(sorted(queues.items())),
            total=page_.total,
            shown=len(page_.items),
            offset=page_.offset or 0,
            next_cursor=page_.next_cursor,
            prev_cursor=page_.prev_cursor,
            position=page_.position,
            queue_names=names,
            sla=has_sla,
        )

    return await read_projection(p.api, "queue_view", bq.min_position, query)


def _warn_times(conn: Connection, sla: Any, ids: list[Any]) -> dict[Any, datetime]:
    if sla is None or not ids:
        return {}
    rows = conn.execute(
        select(sla.c.ticket_id, sla.c.sla_warn_at).where(sla.c.ticket_id.in_(ids))
    )
    return {r.ticket_id: r.sla_warn_at for r in rows if r.sla_warn_at is not None}


def _context(bq: BoardQuery, board: Board, now: datetime) -> dict[str, Any]:
    filters = [(k, v) for k, vs in bq.params.items() for v in _listed(vs) if v]
    paging = [(k, v) for k, v in (("cursor", bq.cursor), ("before", bq.before)) if v]

    def link(*extra: tuple[str, str]) -> str:
        return "/console/board?" + urlencode([*filters, *extra])

    return {
        "board": board,
        "now": now,
        "params": bq.params,
        "states": STATES,
        "priorities": PRIORITIES,
        "sorts": SORT_LABELS,
        "page_size": PAGE_SIZE,
        # the rows fragment of *this* page: a live refresh keeps its cursor
        "query_string": urlencode([*filters, *paging]),
        "pages": {
            "first": link() if board.offset > 0 or bq.cursor or bq.before else None,
            "next": link(("cursor", board.next_cursor)) if board.next_cursor else None,
            "prev": link(("before", board.prev_cursor)) if board.prev_cursor else None,
        },
    }


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


async def board_page(p: Page) -> Response:
    p.require("queue.read")
    bq = _board_query(p)
    now = p.api.runtime.clock.now()
    board = await _read_board(p, bq, now)
    return p.render("board.html", _context(bq, board, now))


async def board_rows(p: Page) -> Response:
    p.require("queue.read")
    bq = _board_query(p)
    now = p.api.runtime.clock.now()
    board = await _read_board(p, bq, now)
    return p.render("board_rows.html", _context(bq, board, now))


BOARD_PAGE: Final = page(board_page)
BOARD_ROWS: Final = page(board_rows, fragment=True)

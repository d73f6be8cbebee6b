"""Queue view: one row per ticket with what agents sort and filter their work by.

Rows are folded in memory per batch (load the batch's tickets, apply events,
write back with executemany), so a rebuild costs a few statements per batch,
not per event. Ticket counts per queue x group x state x priority x type are
kept by delta in ``<prefix>_counts`` in the same transaction
(``ticketing.projections.queue_counts``).

Counting rules (docs/projections.md): a *reassignment* is a Routed that moves
an already-routed ticket to another queue or group, or an Assigned that
replaces a different agent; a *reopen* is a Reopened event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    String,
    Table,
    Uuid,
    select,
)

from ticketing.aggregates.ticket import Ticket, ticket_event_topics
from ticketing.projections.base import LogEvent, Projection
from ticketing.projections.bulk import insert_rows, update_rows
from ticketing.projections.queue_counts import (
    backfill_counts,
    count_group,
    counts_delta,
    define_counts,
)
from ticketing.projections.sqltypes import UtcDateTime

if TYPE_CHECKING:
    from collections.abc import Sequence
    from uuid import UUID

    from sqlalchemy import MetaData
    from sqlalchemy.engine import Connection

Row = dict[str, Any]

#: Columns in table order; ``ticket_id`` is the key.
COLUMNS: Final = (
    "ticket_id",
    "number",
    "type",
    "title",
    "state",
    "priority",
    "impact",
    "urgency",
    "category",
    "service",
    "configuration_item",
    "requester_id",
    "requester_org",
    "requester_site",
    "channel",
    "queue",
    "group_name",
    "assignee",
    "hold_reason",
    "resume_state",
    "escalation_level",
    "reassignment_count",
    "reopen_count",
    "opened_at",
    "updated_at",
    "resolved_at",
    "closed_at",
    "version",
    "position",
)
_KEY: Final = ("ticket_id",)
_UPDATED: Final = frozenset(COLUMNS) - {"ticket_id"}


@dataclass(frozen=True, slots=True)
class QueueTables:
    tickets: Table
    #: Ticket counts per group, kept by delta (not part of the digest).
    counts: Table


def _define(metadata: MetaData, prefix: str) -> QueueTables:
    name = f"{prefix}_tickets"
    tickets = Table(
        name,
        metadata,
        Column("ticket_id", Uuid(), primary_key=True),
        Column("number", String(32), nullable=False, unique=True),
        Column("type", String(32), nullable=False),
        Column("title", String(200), nullable=False),
        Column("state", String(16), nullable=False),
        Column("priority", String(2), nullable=False),
        Column("impact", Integer(), nullable=False),
        Column("urgency", Integer(), nullable=False),
        Column("category", String(128)),
        Column("service", String(128)),
        Column("configuration_item", String(128)),
        Column("requester_id", String(128), nullable=False),
        Column("requester_org", String(128)),
        Column("requester_site", String(128)),
        Column("channel", String(128), nullable=False),
        Column("queue", String(128)),
        Column("group_name", String(128)),
        Column("assignee", String(128)),
        Column("hold_reason", String(32)),
        Column("resume_state", String(16)),
        Column("escalation_level", Integer(), nullable=False),
        Column("reassignment_count", Integer(), nullable=False),
        Column("reopen_count", Integer(), nullable=False),
        Column("opened_at", UtcDateTime(), nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
        Column("resolved_at", UtcDateTime()),
        Column("closed_at", UtcDateTime()),
        Column("version", Integer(), nullable=False),
        Column("position", BigInteger(), nullable=False),
        Index(f"{name}_queue_ix", "queue", "state", "priority"),
        Index(f"{name}_group_ix", "group_name", "state"),
        Index(f"{name}_assignee_ix", "assignee", "state"),
        Index(f"{name}_requester_ix", "requester_id"),
        Index(f"{name}_opened_ix", "opened_at"),
        # the default list (``SORTS["priority"]``, several states) reads each
        # state in sort order and stops after a page (``queries.queues``), and
        # counts its total from this index alone
        Index(f"{name}_state_priority_ix", "state", "priority", "opened_at", "number"),
        # a queue's list, the same way
        Index(
            f"{name}_queue_priority_ix",
            "queue",
            "state",
            "priority",
            "opened_at",
            "number",
        ),
    )
    return QueueTables(tickets=tickets, counts=define_counts(metadata, prefix))


def row_from_opened(e: Ticket.Opened, log: LogEvent) -> Row:
    return {
        "ticket_id": log.originator_id,
        "number": e.number,
        "type": e.type,
        "title": e.title,
        "state": "new",
        "priority": e.priority,
        "impact": e.impact,
        "urgency": e.urgency,
        "category": e.category,
        "service": e.service,
        "configuration_item": e.configuration_item,
        "requester_id": e.requester_id,
        "requester_org": e.requester_org,
        "requester_site": e.requester_site,
        "channel": e.channel,
        "queue": None,
        "group_name": None,
        "assignee": None,
        "hold_reason": None,
        "resume_state": None,
        "escalation_level": 0,
        "reassignment_count": 0,
        "reopen_count": 0,
        "opened_at": e.timestamp,
        "updated_at": e.timestamp,
        "resolved_at": None,
        "closed_at": None,
        "version": 1,
        "position": log.position,
    }


def apply_to_row(row: Row, e: Any) -> None:  # noqa: PLR0912 - one case per event
    """Fold one (non-Opened) ticket event into its queue row."""
    match e:
        case Ticket.Routed():
            if row["queue"] is not None and (e.queue, e.group) != (
                row["queue"],
                row["group_name"],
            ):
                row["reassignment_count"] += 1
            row["queue"], row["group_name"] = e.queue, e.group
        case Ticket.Assigned():
            if row["assignee"] is not None and row["assignee"] != e.agent_id:
                row["reassignment_count"] += 1
            row["assignee"] = e.agent_id
            if e.group is not None:
                row["group_name"] = e.group
            if row["state"] == "new":
                row["state"] = "in_progress"
        case Ticket.Unassigned():
            row["assignee"] = None
        case Ticket.PriorityChanged():
            row["impact"], row["urgency"] = e.impact, e.urgency
            row["priority"] = e.priority
        case Ticket.PutOnHold():
            row["resume_state"] = row["state"]
            row["state"], row["hold_reason"] = "on_hold", e.reason
        case Ticket.Resumed():
            row["state"] = row["resume_state"] or "in_progress"
            row["hold_reason"], row["resume_state"] = None, None
        case Ticket.Escalated():
            row["escalation_level"] = e.level
        case Ticket.Resolved():
            row["state"], row["hold_reason"] = "resolved", None
            row["resume_state"], row["resolved_at"] = None, e.timestamp
        case Ticket.Reopened():
            row["state"], row["resolved_at"] = "in_progress", None
            row["reopen_count"] += 1
        case Ticket.Closed():
            row["state"], row["closed_at"] = "closed", e.timestamp
        case Ticket.Canceled():
            row["state"], row["hold_reason"] = "canceled", None
            row["resume_state"], row["closed_at"] = None, e.timestamp
        case _:
            pass  # comments, links, tags: activity only


class QueueView(Projection[QueueTables]):
    """Open and closed tickets by queue, group and assignee (``queue_view``)."""

    key = "queue_view"
    code_version = 1
    topics = ticket_event_topics()
    event_detail = "fields_no_envelope"

    def define_tables(self, metadata: MetaData, prefix: str) -> QueueTables:
        return _define(metadata, prefix)

    def all_tables(self, tables: QueueTables) -> Sequence[Table]:
        return (tables.tickets, tables.counts)

    def digest_tables(self, tables: QueueTables) -> Sequence[Table]:
        return (tables.tickets,)

    def aggregate_tables(self, tables: QueueTables) -> Sequence[Table]:
        return (tables.counts,)

    def backfill(
        self, conn: Connection, tables: QueueTables, created: set[str]
    ) -> None:
        if tables.counts.name in created:
            backfill_counts(conn, tables.tickets, tables.counts)

    def apply(
        self, conn: Connection, tables: QueueTables, events: Sequence[LogEvent]
    ) -> None:
        t = tables.tickets
        # a ticket opened in this batch has no row yet: only the others are
        # read (in a rebuild, the few whose events straddle two batches)
        ids = {log.originator_id for log in events} - {
            log.originator_id for log in events if isinstance(log.event, Ticket.Opened)
        }
        rows: dict[UUID, Row] = (
            {
                r.ticket_id: dict(r._mapping)
                for r in conn.execute(select(t).where(t.c.ticket_id.in_(ids)))
            }
            if ids
            else {}
        )
        existing = set(rows)
        before = {i: count_group(r) for i, r in rows.items()}
        for log in events:
            self._fold(rows, log)
        insert_rows(conn, t, [rows[i] for i in rows if i not in existing])
        update_rows(conn, t, [rows[i] for i in existing], _KEY, _UPDATED)
        counts_delta(before, rows).write(conn, tables.counts)

    @staticmethod
    def _fold(rows: dict[UUID, Row], log: LogEvent) -> None:
        e = log.event
        if isinstance(e, Ticket.Opened):
            rows[log.originator_id] = row_from_opened(e, log)
            return
        row = rows.get(log.originator_id)
        if row is None:
            msg = f"event for unknown ticket {log.originator_id} (no Opened seen)"
            raise LookupError(msg)
        apply_to_row(row, e)
        row["updated_at"] = e.timestamp
        row["version"] = log.version
        row["position"] = log.position

"""Audit trail: per ticket, every event with its envelope and a field-level diff.

The diff is computed by folding the Ticket aggregate itself (ticket_state.py),
so "before -> after" is exactly what the write model saw. The fold state is
kept between batches in a working table that is not part of the digest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Uuid,
    select,
)

from ticketing.aggregates.ticket import ticket_event_topics
from ticketing.projections.base import LogEvent, Projection
from ticketing.projections.bulk import insert_rows, update_rows
from ticketing.projections.sqltypes import UtcDateTime
from ticketing.projections.ticket_state import (
    AuditEntry,
    fold_with_entries,
    freeze,
    thaw,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from uuid import UUID

    from sqlalchemy import MetaData
    from sqlalchemy.engine import Connection

    from ticketing.aggregates.ticket import Ticket

#: ``json.dumps(value, sort_keys=True)`` without building an encoder per call.
_to_sorted_json: Final = json.JSONEncoder(sort_keys=True).encode
_STATE_KEY: Final = ("ticket_id",)
_STATE_COLUMNS: Final = frozenset({"ticket_id", "state"})


@dataclass(frozen=True, slots=True)
class AuditTables:
    entries: Table
    states: Table


def _define(metadata: MetaData, prefix: str) -> AuditTables:
    entries = Table(
        f"{prefix}_entries",
        metadata,
        Column("ticket_id", Uuid(), primary_key=True),
        Column("version", Integer(), primary_key=True),
        Column("position", BigInteger(), nullable=False, unique=True),
        Column("event_type", String(64), nullable=False),
        Column("occurred_at", UtcDateTime(), nullable=False),
        Column("recorded_at", UtcDateTime(), nullable=False),
        Column("actor_id", String(128), nullable=False),
        Column("actor_role", String(64), nullable=False),
        Column("actor_kind", String(16), nullable=False),
        Column("command_id", String(128), nullable=False),
        Column("correlation_id", String(128), nullable=False),
        Column("causation_id", String(128)),
        Column("rule_id", String(128)),
        Column("rule_set_version", String(128)),
        Column("data", Text(), nullable=False),
        Column("changes", Text(), nullable=False),
        Index(f"{prefix}_entries_actor_ix", "actor_id"),
        Index(f"{prefix}_entries_correlation_ix", "correlation_id"),
    )
    states = Table(
        f"{prefix}_states",
        metadata,
        Column("ticket_id", Uuid(), primary_key=True),
        Column("state", LargeBinary(), nullable=False),
    )
    return AuditTables(entries=entries, states=states)


def entry_row(entry: AuditEntry) -> dict[str, object]:
    env = entry.envelope
    return {
        "ticket_id": entry.ticket_id,
        "version": entry.version,
        "position": entry.position,
        "event_type": entry.event_type,
        "occurred_at": entry.occurred_at,
        "recorded_at": entry.recorded_at,
        "actor_id": env.actor.id,
        "actor_role": env.actor.role,
        "actor_kind": env.actor.kind,
        "command_id": env.command_id,
        "correlation_id": env.correlation_id,
        "causation_id": env.causation_id,
        "rule_id": env.rule_id,
        "rule_set_version": env.rule_set_version,
        "data": _to_sorted_json(entry.data),
        "changes": _to_sorted_json(entry.changes),
    }


class AuditTrail(Projection[AuditTables]):
    """Who did what to which ticket, when, why, and what changed (``audit_trail``)."""

    key = "audit_trail"
    code_version = 1
    topics = ticket_event_topics()

    def define_tables(self, metadata: MetaData, prefix: str) -> AuditTables:
        return _define(metadata, prefix)

    def all_tables(self, tables: AuditTables) -> Sequence[Table]:
        return (tables.entries, tables.states)

    def digest_tables(self, tables: AuditTables) -> Sequence[Table]:
        return (tables.entries,)

    def apply(
        self, conn: Connection, tables: AuditTables, events: Sequence[LogEvent]
    ) -> None:
        s = tables.states
        by_ticket: dict[UUID, list[LogEvent]] = {}
        for log in events:
            by_ticket.setdefault(log.originator_id, []).append(log)
        stored = {
            r.ticket_id: thaw(bytes(r.state))
            for r in conn.execute(select(s).where(s.c.ticket_id.in_(by_ticket)))
        }
        rows: list[dict[str, object]] = []
        new_states: list[dict[str, object]] = []
        changed_states: list[dict[str, object]] = []
        for ticket_id, ticket_events in by_ticket.items():
            start: Ticket | None = stored.get(ticket_id)
            ticket, entries = fold_with_entries(start, ticket_events)
            assert ticket is not None  # noqa: S101 - at least one event folded
            rows.extend(entry_row(e) for e in entries)
            state = {"ticket_id": ticket_id, "state": freeze(ticket)}
            (changed_states if ticket_id in stored else new_states).append(state)
        rows.sort(key=lambda r: int(str(r["position"])))
        insert_rows(conn, tables.entries, rows)
        insert_rows(conn, s, new_states)
        update_rows(conn, s, changed_states, _STATE_KEY, _STATE_COLUMNS)

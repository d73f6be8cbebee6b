"""Tables of one SLA projection generation (``<prefix>_policies/_tickets/_clocks``).

* ``policies``: every SLA activation seen in the log, with its documents;
* ``tickets``: per ticket the folded SlaState, the policy it is judged by,
  its current queue/group/priority, the provenance of clock-setting events and
  the thresholds the scheduler escalated (from its Escalated events);
* ``clocks``: per clock its state, figures and transitions (each citing its
  event) and, while running, its threshold timers;
* ``totals`` and ``live``: aggregates of the clocks kept by delta in the same
  transactions (``ticketing.sla.totals``), not part of the digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
)

from ticketing.projections.sqltypes import UtcDateTime
from ticketing.sla.totals import define_live, define_totals

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import MetaData
    from sqlalchemy.engine import Dialect


class SlaInstant(UtcDateTime):
    """UtcDateTime with a one-step bind on SQLite (the hot path of SLA rebuilds).

    Stores exactly what UtcDateTime stores (naive UTC text on SQLite), so rows,
    comparisons and digests are the same; other dialects use UtcDateTime as is.
    """

    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value: Any) -> str | None:
            if value is None:
                return None
            if not isinstance(value, datetime) or value.tzinfo is None:
                msg = f"expected an aware datetime, got {value!r}"
                raise ValueError(msg)
            if value.utcoffset():
                value = value.astimezone(UTC)
            # "YYYY-MM-DD HH:MM:SS.ffffff", as SQLAlchemy's SQLite DATETIME
            text: str = value.isoformat(" ", "microseconds")
            return text[:26]

        return process


@dataclass(frozen=True, slots=True)
class SlaTables:
    """The tables of one generation: three of rows, two of aggregates."""

    policies: Table
    tickets: Table
    clocks: Table
    totals: Table
    live: Table

    def all(self) -> tuple[Table, ...]:
        return (self.policies, self.tickets, self.clocks, self.totals, self.live)

    def digested(self) -> tuple[Table, ...]:
        """The tables whose rows define the projection (the aggregates follow)."""
        return (self.policies, self.tickets, self.clocks)


def define_sla_tables(metadata: MetaData, prefix: str) -> SlaTables:
    """Declare the tables, every name starting with ``prefix``."""
    policies = Table(
        f"{prefix}_policies",
        metadata,
        Column("position", BigInteger(), primary_key=True, autoincrement=False),
        Column("version", String(128), nullable=False),
        Column("sha256", String(64), nullable=False),
        Column("effective_from", SlaInstant(), nullable=False),
        Column("activated_at", SlaInstant(), nullable=False),
        Column("actor_id", String(128), nullable=False),
        Column("documents", Text(), nullable=False),
    )
    tickets = Table(
        f"{prefix}_tickets",
        metadata,
        Column("ticket_id", Uuid(), primary_key=True),
        Column("number", String(32), nullable=False),
        Column("type", String(32), nullable=False),
        Column("priority", String(2), nullable=False),
        Column("queue", String(128)),
        Column("group_name", String(128)),
        Column("opened_at", SlaInstant(), nullable=False),
        Column("policy_version", String(128), nullable=False),
        Column("policy_sha256", String(64), nullable=False),
        #: The activation that chose the policy; NULL: the published default
        #: or a what-if candidate.
        Column("policy_position", BigInteger()),
        Column("state", Text(), nullable=False),
        Column("provenance", Text(), nullable=False),
        #: "<metric>:<cycle>" -> threshold percents the scheduler escalated.
        Column("fired", Text(), nullable=False),
        Column("version", Integer(), nullable=False),
        Column("position", BigInteger(), nullable=False),
        Index(f"{prefix}_tickets_number_ix", "number"),
    )
    clocks = Table(
        f"{prefix}_clocks",
        metadata,
        Column("ticket_id", Uuid(), primary_key=True),
        Column("metric", String(16), primary_key=True),
        Column("sequence", Integer(), primary_key=True, autoincrement=False),
        Column("cycle", Integer(), nullable=False),
        Column("state", String(16), nullable=False),
        Column("ticket_type", String(32), nullable=False),
        Column("priority", String(2), nullable=False),
        Column("policy_version", String(128), nullable=False),
        Column("calendar_version", String(128), nullable=False),
        Column("target_seconds", Float(), nullable=False),
        Column("started_at", SlaInstant(), nullable=False),
        Column("stopped_at", SlaInstant()),
        Column("resolved_at", SlaInstant()),
        Column("measured_at", SlaInstant(), nullable=False),
        Column("elapsed_seconds", Float(), nullable=False),
        Column("due_at", SlaInstant()),
        Column("breached_at", SlaInstant()),
        Column("warn_at", SlaInstant()),
        #: Running clocks only: the earliest threshold not escalated yet.
        Column("next_due_at", SlaInstant()),
        Column("timers", Text(), nullable=False),
        Column("armed_at", SlaInstant(), nullable=False),
        Column("armed_kind", String(16), nullable=False),
        Column("correlation_id", String(128), nullable=False),
        Column("cause_position", BigInteger(), nullable=False),
        Column("cause_version", Integer(), nullable=False),
        Column("transitions", Text(), nullable=False),
        Index(f"{prefix}_clocks_live_ix", "state", "due_at"),
        Index(f"{prefix}_clocks_timer_ix", "next_due_at"),
        Index(f"{prefix}_clocks_stopped_ix", "stopped_at"),
    )
    return SlaTables(
        policies,
        tickets,
        clocks,
        define_totals(metadata, prefix),
        define_live(metadata, prefix),
    )

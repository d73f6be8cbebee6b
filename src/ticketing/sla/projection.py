"""The SLA projection: per ticket and clock, state, figures, transitions, timers.

Live (key ``sla``): each ticket is judged by the policy version in force when
it was opened, read from the SLA activations in the log (documents included,
so a rebuild never reads a file); before any activation the published default
applies. What-if (key ``sla-whatif:<version>:<sha8>``): one candidate policy
judges every ticket, built side by side without touching the live tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from eventsourcing.utils import get_topic
from sqlalchemy import delete

from ticketing.aggregates.policy import PolicyTrack
from ticketing.aggregates.ticket import Ticket
from ticketing.policies.sla_file import DEFAULT_SLA_VERSION
from ticketing.projections.base import LogEvent, Projection
from ticketing.sla.batch import Batch, Judge
from ticketing.sla.fold import SLA_EVENT_TYPES
from ticketing.sla.library import PolicyLibrary
from ticketing.sla.tables import SlaTables, define_sla_tables
from ticketing.sla.totals import backfill as backfill_totals
from ticketing.sla.validate import load_published

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime
    from uuid import UUID

    from sqlalchemy import MetaData, Table
    from sqlalchemy.engine import Connection

    from ticketing.sla.clocks import SlaEvaluator
    from ticketing.sla.library import Activation, Schedule
    from ticketing.sla.validate import SlaBundle

SLA_KEY: Final = "sla"
WHATIF_PREFIX: Final = "sla-whatif"
#: Ticket events the projection reads: the clock events plus queue, group
#: and escalation changes.
_READ: Final[tuple[type, ...]] = (
    *SLA_EVENT_TYPES,
    Ticket.Routed,
    Ticket.Assigned,
    Ticket.Escalated,
)
TICKET_TOPICS: Final = tuple(sorted(get_topic(cls) for cls in _READ))
ACTIVATION_TOPIC: Final = get_topic(PolicyTrack.Activated)


def whatif_key(bundle: SlaBundle) -> str:
    return f"{WHATIF_PREFIX}:{bundle.version}:{bundle.sha256[:8]}"


class SlaProjection(Projection[SlaTables]):
    """SLA clocks of every ticket (``sla``), or under one candidate (what-if)."""

    key = SLA_KEY
    code_version = 1
    topics = (*TICKET_TOPICS, ACTIVATION_TOPIC)
    event_detail = "fields"

    def __init__(self, candidate: SlaBundle | None = None) -> None:
        super().__init__()
        self.library = PolicyLibrary()
        self.candidate = candidate
        self._candidate_judge: Judge | None = None
        self._default_sha: str | None = None
        if candidate is not None:
            self.key = whatif_key(candidate)
            self.topics = TICKET_TOPICS
            self._candidate_judge = Judge(candidate.evaluator(), candidate.sha256, None)

    def define_tables(self, metadata: MetaData, prefix: str) -> SlaTables:
        return define_sla_tables(metadata, prefix)

    def all_tables(self, tables: SlaTables) -> Sequence[Table]:
        return tables.all()

    def digest_tables(self, tables: SlaTables) -> Sequence[Table]:
        return tables.digested()

    def aggregate_tables(self, tables: SlaTables) -> Sequence[Table]:
        return (tables.totals, tables.live)

    def backfill(self, conn: Connection, tables: SlaTables, created: set[str]) -> None:
        if {tables.totals.name, tables.live.name} & created:
            for table in (tables.totals, tables.live):
                conn.execute(delete(table))
            backfill_totals(
                conn, tables.clocks, tables.tickets, tables.totals, tables.live
            )

    def apply(
        self, conn: Connection, tables: SlaTables, events: Sequence[LogEvent]
    ) -> None:
        batch = Batch(conn, tables, self._judge_for, self._evaluator_of)
        # Tickets opened in this batch have no row yet: only the others are read
        # (in a rebuild, that is the few whose events straddle two batches).
        opened: set[UUID] = set()
        earlier: set[UUID] = set()
        for log in events:
            e = log.event
            if isinstance(e, Ticket.Opened):
                opened.add(log.originator_id)
            elif not isinstance(e, PolicyTrack.Activated):
                earlier.add(log.originator_id)
        batch.load(earlier - opened)
        for log in events:
            batch.take(log)
        batch.write()

    # -- which policy judges a ticket ----------------------------------------

    def default_sha256(self) -> str:
        """Digest of the published default's documents (what rows record for it)."""
        if self._default_sha is None:
            self._default_sha = load_published(DEFAULT_SLA_VERSION).sha256
        return self._default_sha

    def _judge_for(self, schedule: Schedule, opened_at: datetime) -> Judge:
        if self._candidate_judge is not None:
            return self._candidate_judge
        activation = schedule.in_force(opened_at)
        evaluator = self.library.for_activation(activation)
        if activation is None:
            return Judge(evaluator, self.default_sha256(), None)
        return Judge(evaluator, activation.sha256, activation.position)

    def _evaluator_of(
        self, row: dict[str, Any], activations: list[Activation]
    ) -> SlaEvaluator:
        if self._candidate_judge is not None:
            return self._candidate_judge.evaluator
        position = row["policy_position"]
        if position is None:
            return self.library.default()
        for activation in activations:
            if activation.position == position:
                return self.library.for_activation(activation)
        msg = f"ticket {row['ticket_id']} names activation {position}, not found"
        raise LookupError(msg)

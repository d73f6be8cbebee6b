"""SLA thresholds as a timer source for the automation scheduler.

Reads the *active* generation of the live SLA projection only (never a
building generation, never a what-if): running clocks whose next threshold
has come. Each becomes an ``EscalateTicket`` (first threshold -> level 1,
second -> level 2, ...) with rule provenance ``sla:<metric>:<percent>``, the
policy version as rule-set version, the clock's causing event as causation,
and the key ``<ticket>:<metric>:<cycle>:<percent>``, so it fires at most once
per clock cycle, also across restarts (the command id derives from the key,
and the projection records each escalation it sees in the log).

A ticket whose newest events the projection has not folded yet is skipped
until it has: a timer never fires from a clock that may already have stopped.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from ticketing.automation.processor import Reaction
from ticketing.automation.scheduler import Due
from ticketing.commands.messages import EscalateTicket
from ticketing.policies.policy_file import format_duration
from ticketing.projections import registry
from ticketing.sla.projection import SLA_KEY, SlaProjection
from ticketing.sla.reading import refresh as refresh_projection
from ticketing.sla.rows import RULE_PREFIX, timer_key
from ticketing.store.datastore import read_transaction

if TYPE_CHECKING:
    from collections.abc import Iterator
    from uuid import UUID

    from ticketing.projections.manage import ProjectionHost

logger = logging.getLogger(__name__)


@dataclass
class SlaTimers:
    """``TimerSource`` of SLA threshold escalations (``name = "sla"``)."""

    host: ProjectionHost
    name: str = "sla"
    #: Catch the live SLA projection up before each pass (a scheduler process
    #: without a projection runner beside it); the checkpoint CAS makes it safe
    #: next to a runner.
    refresh: bool = False
    #: Keys handed to the scheduler by this process that are still due in the
    #: projection (it fires each once; a fired one leaves once the projection
    #: has folded its escalation, so this stays small).
    handed: set[str] = field(default_factory=set)

    def due(self, now: datetime) -> Iterator[Due]:
        """Escalations due at ``now`` whose ticket the projection has caught up on."""
        if self.refresh:
            refresh_projection(self.host)
        rows, position = self._candidates(now)
        still_due: set[str] = set()
        for row in rows:
            fired = json.loads(row.fired).get(f"{row.metric}:{row.cycle}", [])
            pending = []
            for percent, level, text in json.loads(row.timers):
                due_at = datetime.fromisoformat(text)
                if percent in fired or due_at > now:
                    continue
                key = timer_key(row.ticket_id, row.metric, row.cycle, percent)
                still_due.add(key)
                if key not in self.handed:
                    pending.append((key, percent, level, due_at))
            if pending and self._folded_up_to_date(row.ticket_id, position):
                for key, percent, level, due_at in pending:
                    self.handed.add(key)
                    yield self._due(row, key, percent, level, due_at)
        self.handed &= still_due

    def _candidates(self, now: datetime) -> tuple[list[Any], int]:
        projection = self.host.projections.get(SLA_KEY)
        if not isinstance(projection, SlaProjection):
            return [], 0
        with read_transaction(self.host.engine) as conn:
            gen = registry.get_active(conn, SLA_KEY)
            if gen is None or gen.failed or gen.code_version != projection.code_version:
                return [], 0
            tables = projection.tables(gen.table_prefix)
            c, t = tables.clocks.c, tables.tickets.c
            query = (
                select(
                    c.ticket_id,
                    c.metric,
                    c.cycle,
                    c.timers,
                    c.target_seconds,
                    c.policy_version,
                    c.armed_at,
                    c.cause_version,
                    c.correlation_id,
                    t.fired,
                )
                .join_from(tables.clocks, tables.tickets, c.ticket_id == t.ticket_id)
                .where(c.state == "running", c.next_due_at <= now)
                .order_by(c.next_due_at, c.ticket_id, c.metric)
            )
            return list(conn.execute(query)), gen.position

    def _folded_up_to_date(self, ticket_id: UUID, position: int) -> bool:
        """Has the projection seen every event of the ticket recorded so far?"""
        events = self.host.source.recorder.table
        with read_transaction(self.host.engine) as conn:
            latest = conn.execute(
                select(func.max(events.c.id)).where(events.c.originator_id == ticket_id)
            ).scalar()
        if latest is not None and int(latest) > position:
            logger.info("sla timers: %s has events past %s; later", ticket_id, position)
            return False
        return True

    @staticmethod
    def _due(row: Any, key: str, percent: int, level: int, due_at: datetime) -> Due:
        target = format_duration(timedelta(seconds=row.target_seconds))
        command = EscalateTicket(
            ticket_id=row.ticket_id,
            level=level,
            reason=(
                f"SLA {row.metric} clock (cycle {row.cycle}) reached {percent}% of "
                f"its {target} target under policy {row.policy_version}"
            ),
        )
        return Due(
            key=key,
            due_at=due_at,
            armed_at=row.armed_at,
            reaction=Reaction(
                command,
                rule_id=f"{RULE_PREFIX}{row.metric}:{percent}",
                rule_set_version=row.policy_version,
                action="escalate",
            ),
            causation_id=f"{row.ticket_id}:{row.cause_version}",
            correlation_id=row.correlation_id,
        )

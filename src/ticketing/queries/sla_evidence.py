"""The SLA evidence of one ticket: every clock transition, its cause, the arithmetic.

The policy that judges the ticket comes from the SLA projection (which version
was in force when it was opened, and why); the facts come straight from the
log: the ticket's events are read and folded again, so every transition cites
the event (and global position) that caused it, independently of the
projection's stored figures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ticketing.errors import InvalidCommandError, NotFoundError
from ticketing.policies.calendar import as_utc
from ticketing.sla.evidence import evaluation_evidence, instant_text
from ticketing.sla.fold import SLA_EVENT_TYPES
from ticketing.sla.library import DEFAULT_SOURCE
from ticketing.sla.reading import active_view
from ticketing.store.datastore import read_transaction

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from ticketing.projections.manage import ProjectionHost
    from ticketing.sla.reading import SlaView


def _policy_block(view: SlaView, row: Any) -> dict[str, Any]:
    activation = view.activation(row.policy_position)
    block: dict[str, Any] = {
        "version": row.policy_version,
        "sha256": row.policy_sha256,
        "source": DEFAULT_SOURCE,
    }
    if activation is not None:
        block.update(
            source="activation recorded in the log",
            activation_position=activation.position,
            effective_from=instant_text(activation.effective_from),
            activated_at=instant_text(activation.activated_at),
            activated_by=activation.actor_id,
        )
    return block


def ticket_evidence(
    host: ProjectionHost, ticket_id: UUID, now: datetime, as_of: datetime | None = None
) -> dict[str, Any]:
    """Evidence for ``ticket_id`` at ``as_of`` (default ``now``), JSON-able.

    ``as_of`` earlier than ``now`` shows the clocks as they stood then: only the
    events that had occurred by then are folded.
    """
    moment = as_utc(as_of or now)
    if moment > as_utc(now):
        raise InvalidCommandError.for_fields({"as_of": "must not be in the future"})
    with read_transaction(host.engine) as conn:
        view = active_view(host, conn)
        t = view.tables.tickets
        row = conn.execute(select(t).where(t.c.ticket_id == ticket_id)).first()
    if row is None:
        raise NotFoundError(
            f"ticket {ticket_id} is not in the SLA projection (yet)",
            {"ticket": str(ticket_id), "position": view.position},
        )
    evaluator = view.evaluator(row.policy_position)
    records = host.source.recorder.select_aggregate_records(ticket_id)
    history = [
        (log.position, log.event)
        for log in host.source.decode(records)
        if isinstance(log.event, SLA_EVENT_TYPES)
        and as_utc(log.event.timestamp) <= moment
    ]
    if not history:
        raise InvalidCommandError.for_fields(
            {"as_of": f"ticket {row.number} was not open yet at {moment.isoformat()}"}
        )
    evaluation = evaluator.evaluate(evaluator.fold_all(history), moment)
    return {
        **evaluation_evidence(evaluation),
        "number": row.number,
        "policy": _policy_block(view, row),
        "events_folded": len(history),
        "projection_position": view.position,
    }

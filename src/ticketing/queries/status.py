"""Projection status: checkpoint, head, lag, heartbeat, rate, errors, per projection."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import func, select

from ticketing.projections import registry
from ticketing.store.datastore import read_transaction

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.engine import Connection

    from ticketing.projections.manage import ProjectionHost

#: A runner that has not heartbeated for this long is shown as dead.
DEAD_AFTER_SECONDS: Final = 15.0


@dataclass(frozen=True, slots=True)
class ProjectionStatus:
    """One projection generation as operators see it."""

    key: str
    generation: int
    status: str
    code_version: int
    current_code_version: int
    checkpoint: int
    head: int
    lag_events: int
    lag_seconds: float
    events_processed: int
    heartbeat_at: datetime | None
    heartbeat_age_seconds: float | None
    runner: str
    runner_id: str | None
    events_per_second: float | None
    error: dict[str, Any] | None
    interruptions: int
    last_interruption: dict[str, Any] | None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["heartbeat_at"] = (
            self.heartbeat_at.isoformat() if self.heartbeat_at else None
        )
        return data


@dataclass(frozen=True, slots=True)
class Lag:
    """How far a reader at log ``position`` is behind the log's head.

    ``events`` not yet applied; ``seconds`` since the oldest of them was
    recorded (0 when none waits); ``position_recorded_at``: when the last
    applied event was recorded (None before the first).
    """

    position: int
    head: int
    events: int
    seconds: float
    position_recorded_at: datetime | None


def log_lag(
    conn: Connection,
    table: Table,
    position: int,
    now: datetime,
    head: int | None = None,
) -> Lag:
    """The lag of ``position`` behind the event log ``table``, read on ``conn``."""
    if head is None:
        head = int(conn.execute(select(func.max(table.c.id))).scalar() or 0)
    events = int(
        conn.execute(select(func.count()).where(table.c.id > position)).scalar_one()
    )
    first_pending = conn.execute(
        select(table.c.recorded_at)
        .where(table.c.id > position)
        .order_by(table.c.id)
        .limit(1)
    ).scalar()
    seconds = 0.0
    if first_pending is not None:
        seconds = max(0.0, (now - _instant(first_pending)).total_seconds())
    at_position = conn.execute(
        select(table.c.recorded_at).where(table.c.id == position)
    ).scalar()
    return Lag(
        position=position,
        head=head,
        events=events,
        seconds=round(seconds, 3),
        position_recorded_at=None if at_position is None else _instant(at_position),
    )


def _instant(value: str | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _runner_state(gen: registry.Generation, now: datetime) -> tuple[str, float | None]:
    if gen.status == "retired":
        return "retired", None
    if gen.heartbeat_at is None:
        return "never-ran", None
    age = (now - gen.heartbeat_at).total_seconds()
    if gen.failed:
        return "failed", age
    return ("alive" if age <= DEAD_AFTER_SECONDS else "dead"), age


def projection_status(host: ProjectionHost, now: datetime) -> list[ProjectionStatus]:
    """Status of every known projection generation (active and building first)."""
    table = host.source.recorder.table
    with read_transaction(host.engine) as conn:
        head = int(conn.execute(select(func.max(table.c.id))).scalar() or 0)
        generations = registry.list_generations(conn)
        out: list[ProjectionStatus] = []
        for gen in generations:
            lag = log_lag(conn, table, gen.position, now, head)
            runner, age = _runner_state(gen, now)
            projection = host.projections.get(gen.key)
            out.append(
                ProjectionStatus(
                    key=gen.key,
                    generation=gen.generation,
                    status=gen.status,
                    code_version=gen.code_version,
                    current_code_version=projection.code_version if projection else 0,
                    checkpoint=gen.position,
                    head=head,
                    lag_events=lag.events,
                    lag_seconds=lag.seconds,
                    events_processed=gen.events_processed,
                    heartbeat_at=gen.heartbeat_at,
                    heartbeat_age_seconds=None if age is None else round(age, 3),
                    runner=runner,
                    runner_id=gen.runner_id,
                    events_per_second=None if gen.rate is None else round(gen.rate, 1),
                    error=_error(gen),
                    interruptions=gen.interruptions,
                    last_interruption=_interruption(gen),
                )
            )
    order = {"active": 0, "building": 1, "retired": 2}
    return sorted(out, key=lambda s: (s.key, order.get(s.status, 3), -s.generation))


def _error(gen: registry.Generation) -> dict[str, Any] | None:
    if gen.error_message is None:
        return None
    return {
        "message": gen.error_message,
        "position": gen.error_position,
        "topic": gen.error_topic,
        "at": gen.error_at.isoformat() if gen.error_at else None,
    }


def _interruption(gen: registry.Generation) -> dict[str, Any] | None:
    if gen.last_interruption is None:
        return None
    at = gen.last_interruption_at
    return {"message": gen.last_interruption, "at": at.isoformat() if at else None}

"""Helpers for command-level tests: runtimes, actors, commands, log snapshots."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import select

from ticketing.aggregates.envelope import Actor
from ticketing.clock import SettableClock
from ticketing.commands import messages as m
from ticketing.commands.service import CommandContext
from ticketing.runtime import Runtime, build_runtime
from ticketing.settings import Settings
from ticketing.store import indexes
from ticketing.store.chain import GENESIS_HASH, event_hash

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ticketing.store.records import LogRecord

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AGENT = Actor(id="alice", role="agent", kind="human")
REQUESTER = Actor(id="bob", role="requester", kind="human")
IMPORTER = Actor(id="servicenow", role="importer", kind="import")
RULE = Actor(id="router", role="rules", kind="rule")
AS_AGENT = CommandContext(actor=AGENT)


class TickingClock(SettableClock):
    """A settable clock that moves one second forward on every reading."""

    def now(self) -> datetime:
        return self.advance(timedelta(seconds=1))


@contextmanager
def open_runtime(
    db_url: str, snapshot_interval: int = 0, clock: SettableClock | None = None
) -> Iterator[Runtime]:
    settings = Settings(db_url=db_url, snapshot_interval=snapshot_interval)
    runtime = build_runtime(settings, clock=clock or TickingClock(T0))
    try:
        yield runtime
    finally:
        runtime.close()


def open_ticket(**overrides: Any) -> m.OpenTicket:
    values: dict[str, Any] = {
        "type": "incident",
        "title": "Printer on fire",
        "impact": 2,
        "urgency": 2,
        "requester_id": "bob",
    }
    values.update(overrides)
    return m.OpenTicket(**values)


def opened(runtime: Runtime, **overrides: Any) -> UUID:
    """Open a ticket as an agent; returns its id."""
    return runtime.service.execute(open_ticket(**overrides), AS_AGENT).ticket_id


def log_state(runtime: Runtime) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the log, the snapshots and the write-side indexes."""
    snapshots = runtime.app.snapshots
    with runtime.engine.connect() as conn:
        state = {
            table.name: sorted(tuple(row) for row in conn.execute(select(table)))
            for table in (
                runtime.recorder.table,
                indexes.commands_table,
                indexes.ticket_numbers_table,
                indexes.counters_table,
            )
        }
        if snapshots is not None:
            snapshot_table = snapshots.recorder.events_record_cls.__table__  # type: ignore[attr-defined]
            state["snapshots"] = sorted(
                tuple(row) for row in conn.execute(select(snapshot_table))
            )
    return state


def assert_chained(records: list[LogRecord]) -> None:
    """Each record's hash covers its predecessor's hash and its own fields."""
    prev = GENESIS_HASH
    for r in records:
        assert r.prev_hash == prev, r.id
        oid = r.originator_id
        assert r.hash == event_hash(
            prev,
            r.id,
            oid if isinstance(oid, UUID) else UUID(str(oid)),
            r.originator_version,
            r.topic,
            r.state,
            r.recorded_at,
        ), r.id
        prev = r.hash

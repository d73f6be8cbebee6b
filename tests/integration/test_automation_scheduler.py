"""The scheduler fires each due timer exactly once, never for history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from tests.support.runtime import AGENT_CTX, START, sqlite_runtime
from ticketing.automation.processor import Reaction
from ticketing.automation.scheduler import Due, Scheduler
from ticketing.commands import messages as m

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from datetime import datetime
    from pathlib import Path
    from uuid import UUID

    from ticketing.clock import SettableClock
    from ticketing.runtime import Runtime

pytestmark = pytest.mark.integration


@dataclass
class OneTimer:
    """Escalates one ticket when ``at`` comes (armed at ``armed``)."""

    ticket_id: UUID
    at: datetime
    armed: datetime
    name: str = "one-timer"

    def due(self, now: datetime) -> Iterable[Due]:
        cmd = m.EscalateTicket(ticket_id=self.ticket_id, reason="SLA 75% reached")
        yield Due(
            key=f"{self.ticket_id}:resolution:75:1",
            due_at=self.at,
            armed_at=self.armed,
            reaction=Reaction(cmd, "sla:resolution:75", "default-v1", "escalate"),
            causation_id=f"{self.ticket_id}:1",
            correlation_id="c",
        )


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[Runtime, SettableClock, UUID]]:
    rt, clock = sqlite_runtime(tmp_path)
    cmd = m.OpenTicket(
        type="incident", title="x", impact=1, urgency=1, requester_id="r"
    )
    result = rt.service.execute(cmd, AGENT_CTX)
    yield rt, clock, result.aggregate_id
    rt.close()


def _scheduler(rt: Runtime, clock: SettableClock, timer: OneTimer) -> Scheduler:
    return Scheduler(rt.engine, rt.service, clock, [timer])


def test_fires_once_when_due_and_not_before(
    env: tuple[Runtime, SettableClock, UUID],
) -> None:
    rt, clock, ticket_id = env
    timer = OneTimer(ticket_id, at=START + timedelta(hours=1), armed=START)
    scheduler = _scheduler(rt, clock, timer)

    assert scheduler.tick() == []
    clock.advance(timedelta(hours=2))
    first = scheduler.tick()
    second = scheduler.tick()

    scheduler.close()
    assert [f.status for f in first] == ["applied"]
    assert second == []
    assert rt.service.load(ticket_id).escalation_level == 1


def test_a_restarted_scheduler_does_not_fire_again(
    env: tuple[Runtime, SettableClock, UUID],
) -> None:
    rt, clock, ticket_id = env
    timer = OneTimer(ticket_id, at=START + timedelta(hours=1), armed=START)
    clock.advance(timedelta(hours=2))
    first = _scheduler(rt, clock, timer)
    first.tick()
    first.close()
    version = rt.service.load(ticket_id).version

    restarted = _scheduler(rt, clock, timer)
    again = restarted.tick()
    restarted.close()

    assert [f.status for f in again] == ["replayed"]
    assert rt.service.load(ticket_id).version == version


def test_a_timer_due_before_its_facts_were_recorded_never_fires(
    env: tuple[Runtime, SettableClock, UUID],
) -> None:
    rt, clock, ticket_id = env
    timer = OneTimer(ticket_id, at=START - timedelta(days=30), armed=START)

    scheduler = _scheduler(rt, clock, timer)
    fired = scheduler.tick()
    scheduler.close()

    assert [f.status for f in fired] == ["historical"]
    assert rt.service.load(ticket_id).escalation_level == 0


def test_only_one_scheduler_holds_the_lock(
    env: tuple[Runtime, SettableClock, UUID],
) -> None:
    rt, clock, ticket_id = env
    timer = OneTimer(ticket_id, at=START, armed=START)
    active, standby = _scheduler(rt, clock, timer), _scheduler(rt, clock, timer)

    assert [f.status for f in active.tick()] == ["applied"]
    assert standby.tick() == []
    active.close()
    assert [f.status for f in standby.tick()] == ["replayed"]
    standby.close()


def test_memory_of_fired_timers_is_bounded_by_what_is_still_due(
    env: tuple[Runtime, SettableClock, UUID],
) -> None:
    rt, clock, ticket_id = env
    timer = OneTimer(ticket_id, at=START, armed=START)
    scheduler = _scheduler(rt, clock, timer)
    scheduler.tick()
    assert scheduler._done == {f"{ticket_id}:resolution:75:1"}

    scheduler.sources = []  # the timer is no longer reported (moot)
    scheduler.tick()

    assert scheduler._done == set()
    scheduler.close()

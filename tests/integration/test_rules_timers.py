"""Time rules fire through the scheduler once, attributed, never for history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from tests.support.rules_runtime import (
    activate_default,
    open_ticket,
    rules_runtime,
    seed_directory,
    ticket,
)
from tests.support.runtime import START
from ticketing.aggregates.envelope import Actor
from ticketing.aggregates.ticket import Ticket
from ticketing.automation.scheduler import Scheduler
from ticketing.commands.service import CommandContext
from ticketing.rules.sla import SlaProvider
from ticketing.rules.timers import TIMERS_LOCK, TimeRules
from ticketing.rules.view import SourceReader
from ticketing.rules.webhooks import OutboxSink, list_outbox

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime
    from pathlib import Path
    from uuid import UUID

    from ticketing.clock import SettableClock
    from ticketing.runtime import Runtime

pytestmark = pytest.mark.integration


@dataclass
class FakeSla:
    """Every ticket reaches 80% of its target two hours after START."""

    at_80: datetime = START + timedelta(hours=2)

    def percent(self, ticket_id: UUID, at: datetime) -> float | None:
        return 85.0 if at >= self.at_80 else 50.0

    def reaches(self, ticket_id: UUID, percent: float) -> datetime | None:
        return self.at_80 if percent == 80.0 else None


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[Runtime, SettableClock]]:
    rt, clock = rules_runtime(f"sqlite:///{tmp_path / 'timers.db'}")
    seed_directory(rt)
    activate_default(rt)
    yield rt, clock
    rt.close()


def _scheduler(
    rt: Runtime, clock: SettableClock, sla: FakeSla | None = None
) -> Scheduler:
    source = TimeRules(
        SourceReader(rt.projections.source),
        rt.service.load,
        rt.service.matrix,
        OutboxSink(rt.engine),
        sla,
    )
    return Scheduler(rt.engine, rt.service, clock, [source], lock_name=TIMERS_LOCK)


def test_an_idle_new_ticket_is_escalated_once_after_four_hours(
    env: tuple[Runtime, SettableClock],
) -> None:
    rt, clock = env
    ticket_id = open_ticket(rt, title="Nobody looks at this")
    scheduler = _scheduler(rt, clock)

    clock.advance(timedelta(hours=3))
    early = scheduler.tick()
    clock.advance(timedelta(hours=1, minutes=1))
    fired = scheduler.tick()
    again = scheduler.tick()
    scheduler.close()

    assert early == []
    assert [f.status for f in fired] == ["applied"]
    assert again == []
    t = ticket(rt, ticket_id)
    assert t.escalation_level == 1
    records = rt.recorder.select_aggregate_records(ticket_id)
    escalated = rt.app.mapper.to_domain_event(records[-1])
    assert isinstance(escalated, Ticket.Escalated)
    meta = escalated.meta
    assert meta.actor == Actor(id="rule:IDLE-NEW", role="automation", kind="rule")
    assert (meta.rule_id, meta.rule_set_version) == ("IDLE-NEW", "default-v1")
    assert meta.causation_id == f"{ticket_id}:1"
    assert meta.depth == 1


def test_an_imported_ticket_past_its_thresholds_never_fires(
    env: tuple[Runtime, SettableClock],
) -> None:
    rt, clock = env
    importer = CommandContext(
        actor=Actor(id="migration", role="import", kind="import"),
        occurred_at=START - timedelta(days=2),
    )
    ticket_id = open_ticket(rt, importer, title="Old and new")
    scheduler = _scheduler(rt, clock)

    clock.advance(timedelta(minutes=5))
    fired = scheduler.tick()
    scheduler.close()

    assert [f.status for f in fired] == ["historical"]
    assert ticket(rt, ticket_id).escalation_level == 0


def test_sla_thresholds_come_from_the_sla_provider(
    env: tuple[Runtime, SettableClock],
) -> None:
    rt, clock = env
    ticket_id = open_ticket(rt, title="Mail is slow")
    scheduler = _scheduler(rt, clock, FakeSla())

    clock.advance(timedelta(hours=1))
    before = scheduler.tick()
    clock.advance(timedelta(hours=1, seconds=5))
    fired = scheduler.tick()
    scheduler.close()

    assert before == []
    assert [f.key.split(":")[2] for f in fired] == ["SLA-80"]
    assert ticket(rt, ticket_id).escalation_level == 2
    hooks = list_outbox(rt.engine)
    assert [(h.rule_id, h.name, h.status) for h in hooks] == [
        ("SLA-80", "notify-queue-lead", "pending")
    ]


def test_the_fake_provider_has_the_sla_engines_shape() -> None:
    assert isinstance(FakeSla(), SlaProvider)

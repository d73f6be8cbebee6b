"""The rules engine's SLA provider: sla_percent from the log; time rules on it."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import uuid4

import pytest

from tests.support.rules_runtime import activate, open_ticket, rules_runtime, ticket
from tests.support.runtime import ADMIN_CTX, AGENT_CTX, START
from ticketing.aggregates.envelope import Actor
from ticketing.aggregates.ticket import Ticket
from ticketing.automation.scheduler import Scheduler
from ticketing.commands import messages as m
from ticketing.commands.admin_messages import ActivatePolicy
from ticketing.policies.sla_file import DATA_DIR
from ticketing.rules.timers import TIMERS_LOCK
from ticketing.rules.wiring import build_reactor, build_time_rules
from ticketing.sla.provider import LogSlaProvider
from ticketing.sla.validate import parse_policy_text

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path
    from uuid import UUID

    from ticketing.clock import SettableClock
    from ticketing.runtime import Runtime

pytestmark = pytest.mark.integration

SLA_RULES = """\
version = "sla-rules-v1"

[[rule]]
id = "SLA-80"
description = "80% of the resolution target used up"
on = ["time"]
when = '(sla_percent ?? 0.0) >= 80.0 and escalation_level < 2'
escalate = { level = 2, reason = "80% of the SLA target elapsed" }
"""


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[Runtime, SettableClock]]:
    rt, clock = rules_runtime(f"sqlite:///{tmp_path / 'sla-rules.db'}")
    yield rt, clock
    rt.close()


def _p1(rt: Runtime) -> UUID:
    """A P1 incident: resolution within 4h around the clock (default-v1)."""
    return open_ticket(rt, impact=1, urgency=1, title="Core switch down")


def test_percent_and_reaches_follow_the_resolution_clock(
    env: tuple[Runtime, SettableClock],
) -> None:
    rt, clock = env
    ticket_id = _p1(rt)
    sla = LogSlaProvider(rt.projections.source)

    assert sla.percent(ticket_id, START + timedelta(hours=2)) == 50.0
    assert sla.reaches(ticket_id, 80.0) == START + timedelta(hours=3, minutes=12)

    clock.advance(timedelta(hours=1))
    rt.service.execute(
        m.PutOnHold(ticket_id=ticket_id, reason="awaiting_caller"),
        AGENT_CTX,
    )
    paused_at_2h = sla.percent(ticket_id, START + timedelta(hours=2))
    paused_reach = sla.reaches(ticket_id, 80.0)
    clock.advance(timedelta(hours=2))
    rt.service.execute(m.ResumeTicket(ticket_id=ticket_id), AGENT_CTX)

    assert paused_at_2h == 25.0
    assert paused_reach is None
    # 1h used before the hold; 2h12m more from the resume at +3h
    assert sla.reaches(ticket_id, 80.0) == START + timedelta(hours=5, minutes=12)
    # the percentage as of an earlier instant ignores later events
    assert sla.percent(ticket_id, START + timedelta(minutes=30)) == 12.5

    clock.advance(timedelta(minutes=5))
    rt.service.execute(
        m.ResolveTicket(ticket_id=ticket_id, resolution_code="fixed"),
        AGENT_CTX,
    )
    clock.advance(timedelta(minutes=5))
    rt.service.execute(m.CloseTicket(ticket_id=ticket_id), AGENT_CTX)
    assert sla.percent(ticket_id, clock.now()) is None
    assert sla.reaches(ticket_id, 80.0) is None


def test_a_ticket_is_judged_by_the_policy_activated_before_it_opened(
    env: tuple[Runtime, SettableClock],
) -> None:
    rt, clock = env
    text = (DATA_DIR / "default-v1.toml").read_text("utf-8")
    slower = text.replace('version = "default-v1"', 'version = "slow-v1"').replace(
        'resolution = { within = "4h", calendar = "24x7-v1" }',
        'resolution = { within = "8h", calendar = "24x7-v1" }',
    )
    bundle = parse_policy_text(slower)
    before = _p1(rt)
    rt.service.execute(
        ActivatePolicy(kind="sla", documents=dict(bundle.documents)), ADMIN_CTX
    )
    clock.advance(timedelta(minutes=1))
    after = _p1(rt)
    sla = LogSlaProvider(rt.projections.source)

    assert sla.reaches(before, 50.0) == START + timedelta(hours=2)
    assert sla.reaches(after, 50.0) == START + timedelta(hours=4, minutes=1)


def test_unknown_tickets_have_no_percentage(env: tuple[Runtime, SettableClock]) -> None:
    rt, _ = env
    sla = LogSlaProvider(rt.projections.source)

    assert sla.percent(uuid4(), START) is None
    assert sla.reaches(uuid4(), 80.0) is None


def test_the_rules_engine_gets_the_sla_provider_by_default(
    env: tuple[Runtime, SettableClock],
) -> None:
    rt, _ = env

    assert isinstance(build_reactor(rt).sla, LogSlaProvider)
    assert isinstance(build_time_rules(rt).sla, LogSlaProvider)


def test_a_time_rule_on_sla_percent_fires_at_80_percent_attributed_to_the_rule(
    env: tuple[Runtime, SettableClock],
) -> None:
    rt, clock = env
    activated = activate(rt, SLA_RULES)
    assert activated.position > 0
    ticket_id = _p1(rt)
    scheduler = Scheduler(
        rt.engine, rt.service, clock, [build_time_rules(rt)], lock_name=TIMERS_LOCK
    )

    clock.advance(timedelta(hours=3, minutes=11))  # 79.6 %
    early = scheduler.tick()
    clock.advance(timedelta(minutes=2))  # 80.4 %
    fired = scheduler.tick()
    again = scheduler.tick()
    scheduler.close()

    assert early == []
    assert [(f.key.split(":")[2], f.status) for f in fired] == [("SLA-80", "applied")]
    assert again == []
    assert ticket(rt, ticket_id).escalation_level == 2
    records = rt.recorder.select_aggregate_records(ticket_id)
    escalated = rt.app.mapper.to_domain_event(records[-1])
    assert isinstance(escalated, Ticket.Escalated)
    meta = escalated.meta
    assert meta.actor == Actor(id="rule:SLA-80", role="automation", kind="rule")
    assert (meta.rule_id, meta.rule_set_version) == ("SLA-80", "sla-rules-v1")
    assert meta.causation_id == f"{ticket_id}:1"
    assert escalated.timestamp >= START + timedelta(hours=3, minutes=12)


def test_a_hold_postpones_the_sla_time_rule(env: tuple[Runtime, SettableClock]) -> None:
    rt, clock = env
    activate(rt, SLA_RULES)
    ticket_id = _p1(rt)
    scheduler = Scheduler(
        rt.engine, rt.service, clock, [build_time_rules(rt)], lock_name=TIMERS_LOCK
    )
    clock.advance(timedelta(hours=3))
    assert scheduler.tick() == []
    rt.service.execute(
        m.PutOnHold(ticket_id=ticket_id, reason="awaiting_caller"),
        AGENT_CTX,
    )

    clock.advance(timedelta(hours=1))
    during_hold = scheduler.tick()
    rt.service.execute(m.ResumeTicket(ticket_id=ticket_id), AGENT_CTX)
    clock.advance(timedelta(minutes=11))
    still_short = scheduler.tick()
    clock.advance(timedelta(minutes=2))
    fired = scheduler.tick()
    scheduler.close()

    assert (during_hold, still_short) == ([], [])
    assert [f.status for f in fired] == ["applied"]
    assert ticket(rt, ticket_id).escalation_level == 2

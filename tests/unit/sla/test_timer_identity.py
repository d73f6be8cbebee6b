"""The projection recognises the scheduler's escalations by their command id."""

from __future__ import annotations

from uuid import uuid4

from ticketing.automation.scheduler import _with_id
from ticketing.commands.messages import EscalateTicket
from ticketing.sla.rows import escalation_level, timer_command_id, timer_key


def test_timer_command_ids_are_the_ones_the_scheduler_uses() -> None:
    key = timer_key(uuid4(), "resolution", 2, 75)
    command = EscalateTicket(ticket_id=uuid4(), reason="SLA", level=1)

    assert _with_id(command, key).command_id == timer_command_id(key)


def test_levels_follow_the_threshold_order_and_are_bounded() -> None:
    assert [escalation_level((75, 100), p) for p in (75, 100)] == [1, 2]
    assert escalation_level(tuple(range(1, 21)), 20) == 9

"""SLA escalations: each threshold fires once, also across restarts; never for history.

A P1 ticket opened at 10:00 and answered at 10:05: its resolution clock (4h,
24x7) reaches 75 % at 13:00 (escalation level 1) and 100 % at 14:00 (level 2).
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING
from uuid import uuid4

import pytest

from tests.support.sla_desk import (
    IMPORTER,
    STRICT_P1,
    Desk,
    candidate,
    desk_runtime,
    utc,
)
from ticketing.aggregates.ticket import Ticket
from ticketing.automation import scheduler as scheduler_module
from ticketing.projections.catchup import catch_up
from ticketing.sla.reading import live_projection
from ticketing.sla.timers import SlaTimers
from ticketing.sla.whatif import run_whatif
from ticketing.sla.wiring import sla_scheduler, start_sla_scheduler

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path
    from uuid import UUID

    from ticketing.automation.scheduler import Fired, Scheduler

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def own_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    """A lock name of this test's own: on this branch PostgreSQL advisory locks
    are server-wide (not per schema), so schedulers of other test runs on the
    same server would otherwise make ours stand by."""
    monkeypatch.setattr(scheduler_module, "SCHEDULER_LOCK", f"scheduler:{uuid4()}")


@pytest.fixture
def desk(db_url: str) -> Iterator[Desk]:
    runtime, clock = desk_runtime(db_url, utc("2026-03-02 09:00"))
    yield Desk(runtime, clock)
    runtime.close()


def answered_p1(desk: Desk) -> UUID:
    ticket = desk.open(utc("2026-03-02 10:00"), "P1")
    desk.reply(utc("2026-03-02 10:05"), ticket)
    return ticket


def restart(desk: Desk, scheduler: Scheduler) -> None:
    """Stop a scheduler as a process exit would: lock and connections gone.

    Disposing of the pool also ends the PostgreSQL session that held the
    advisory lock (on this branch ``release_all`` returns it to the pool).
    """
    scheduler.close()
    desk.runtime.engine.dispose()


def tick_at(desk: Desk, text: str) -> list[Fired]:
    """A fresh scheduler (as after a restart) ticking once at ``text``."""
    desk.clock.set(utc(text))
    desk.project()
    scheduler = sla_scheduler(desk.runtime)
    try:
        return scheduler.tick()
    finally:
        restart(desk, scheduler)


def escalations(desk: Desk, ticket: UUID) -> list[Ticket.Escalated]:
    records = desk.runtime.recorder.select_aggregate_records(ticket)
    decoded = desk.runtime.projections.source.decode(records)
    return [e.event for e in decoded if isinstance(e.event, Ticket.Escalated)]


def test_thresholds_fire_exactly_once_each_across_restarts(desk: Desk) -> None:
    ticket = answered_p1(desk)

    before = tick_at(desk, "2026-03-02 12:59")
    first = tick_at(desk, "2026-03-02 13:00")
    again = tick_at(desk, "2026-03-02 13:30")
    second = tick_at(desk, "2026-03-02 14:00")
    later = tick_at(desk, "2026-03-02 18:00")

    assert before == []
    assert [(f.key.split(":", 1)[1], f.status) for f in first] == [
        ("resolution:1:75", "applied")
    ]
    assert again == []
    assert [(f.key.split(":", 1)[1], f.status) for f in second] == [
        ("resolution:1:100", "applied")
    ]
    assert later == []
    fired = escalations(desk, ticket)
    assert [(e.level, e.meta.rule_id) for e in fired] == [
        (1, "sla:resolution:75"),
        (2, "sla:resolution:100"),
    ]
    meta = fired[0].meta
    assert (meta.actor.kind, meta.rule_set_version) == ("rule", "default-v1")
    assert meta.causation_id == f"{ticket}:1"  # the Opened event started the clock


def test_one_scheduler_fires_each_threshold_once_over_many_ticks(desk: Desk) -> None:
    answered_p1(desk)
    scheduler = sla_scheduler(desk.runtime)
    statuses: list[str] = []
    for text in ("2026-03-02 13:00", "2026-03-02 13:01", "2026-03-02 14:00"):
        desk.clock.set(utc(text))
        desk.project()
        statuses += [f.status for f in scheduler.tick()]
    desk.project()
    statuses += [f.status for f in scheduler.tick()]
    source = scheduler.sources[0]
    restart(desk, scheduler)

    assert statuses == ["applied", "applied"]
    # both escalations are in the projection now: nothing left to remember
    assert isinstance(source, SlaTimers)
    assert source.handed == set()


def test_a_restart_before_the_projection_caught_up_does_not_fire_again(
    desk: Desk,
) -> None:
    ticket = answered_p1(desk)
    assert [f.status for f in tick_at(desk, "2026-03-02 13:00")] == ["applied"]

    # the projection has not seen the escalation yet: the ticket is skipped
    desk.clock.set(utc("2026-03-02 13:10"))
    scheduler = sla_scheduler(desk.runtime)
    skipped = scheduler.tick()
    restart(desk, scheduler)

    assert skipped == []
    assert len(escalations(desk, ticket)) == 1


def test_a_paused_clock_does_not_escalate_until_it_runs_again(desk: Desk) -> None:
    ticket = answered_p1(desk)
    desk.hold(utc("2026-03-02 12:00"), ticket)

    paused = tick_at(desk, "2026-03-02 15:00")
    desk.resume(utc("2026-03-02 16:00"), ticket)
    # 2h ran before the hold: 75 % (3h) is reached at 17:00
    early = tick_at(desk, "2026-03-02 16:59")
    due = tick_at(desk, "2026-03-02 17:00")

    assert (paused, early) == ([], [])
    assert [f.status for f in due] == ["applied"]


def test_imported_history_never_escalates(desk: Desk) -> None:
    # given a P1 imported on Monday afternoon, opened at 08:00 and never answered
    desk.clock.set(utc("2026-03-02 16:00"))
    importer = Desk(desk.runtime, desk.clock, actor=IMPORTER, imported=True)
    ticket = importer.open(utc("2026-03-02 08:00"), "P1")

    fired = tick_at(desk, "2026-03-02 17:00")

    assert fired == []
    assert escalations(desk, ticket) == []


def test_a_rebuild_neither_fires_nor_repeats_escalations(desk: Desk) -> None:
    ticket = answered_p1(desk)
    tick_at(desk, "2026-03-02 13:00")
    desk.project()
    host = desk.runtime.projections
    projection = live_projection(host)

    # a rebuild half way: the scheduler keeps reading the active generation
    building = host.start_or_resume_rebuild(projection)
    catch_up(host.source, projection, building, stop=3)
    during = tick_at(desk, "2026-03-02 13:30")
    host.rebuild(projection)
    after = tick_at(desk, "2026-03-02 13:40")

    assert (during, after) == ([], [])
    assert len(escalations(desk, ticket)) == 1


def test_a_whatif_issues_no_command(desk: Desk, tmp_path: Path) -> None:
    answered_p1(desk)
    desk.clock.set(utc("2026-03-02 18:00"))
    desk.project()
    head = desk.runtime.projections.source.head()

    result = run_whatif(
        desk.runtime.projections,
        candidate(tmp_path, "strict-v2", STRICT_P1),
        desk.clock.now(),
    )

    assert result.position == head
    assert desk.runtime.projections.source.head() == head


def test_one_scheduler_is_active_and_a_standby_takes_over(desk: Desk) -> None:
    answered_p1(desk)
    desk.clock.set(utc("2026-03-02 13:00"))
    desk.project()
    active, standby = sla_scheduler(desk.runtime), sla_scheduler(desk.runtime)

    first = active.tick()
    waiting = standby.tick()
    restart(desk, active)
    desk.clock.set(utc("2026-03-02 14:00"))
    desk.project()
    taken_over = standby.tick()
    restart(desk, standby)

    assert [f.status for f in first] == ["applied"]
    assert waiting == []
    assert [(f.key.rsplit(":", 1)[1], f.status) for f in taken_over] == [
        ("100", "applied")
    ]


def test_the_in_process_scheduler_thread_escalates_and_stops(desk: Desk) -> None:
    ticket = answered_p1(desk)
    desk.clock.set(utc("2026-03-02 13:00"))
    desk.project()
    stop = threading.Event()

    thread = start_sla_scheduler(desk.runtime, stop, tick_seconds=0.05)
    deadline = time.monotonic() + 10
    while not escalations(desk, ticket) and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=10)

    assert not thread.is_alive()
    assert [e.level for e in escalations(desk, ticket)] == [1]
    desk.runtime.engine.dispose()  # the thread's lock session ends with it

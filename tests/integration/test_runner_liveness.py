"""Runner liveness in the status: heartbeats, dead runners at zero lag, rates, locks."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from tests.support.projections import start_runtime
from tests.support.strategies import run_steps, scripted_steps
from ticketing.projections.runner import ProjectionRunner
from ticketing.projections.wakeup import LocalWakeup
from ticketing.queries.status import DEAD_AFTER_SECONDS, projection_status

if TYPE_CHECKING:
    from ticketing.clock import SettableClock
    from ticketing.queries.status import ProjectionStatus
    from ticketing.runtime import Runtime

pytestmark = pytest.mark.integration


def status_of(runtime: Runtime, key: str) -> ProjectionStatus:
    host = runtime.projections
    found = [
        s
        for s in projection_status(host, host.clock.now())
        if s.key == key and s.status == "active"
    ]
    assert len(found) == 1
    return found[0]


def runner_for(
    runtime: Runtime,
    wakeup: LocalWakeup | None = None,
    *,
    poll_seconds: float = 0.5,
    heartbeat_seconds: float = 2.0,
) -> ProjectionRunner:
    host = runtime.projections
    return ProjectionRunner(
        host,
        list(host.projections.values()),
        wakeup or LocalWakeup(),
        poll_seconds=poll_seconds,
        heartbeat_seconds=heartbeat_seconds,
    )


def wait_until(condition: object, timeout: float = 20.0) -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_projection_no_runner_ever_ran_says_so(runtime: Runtime) -> None:
    runtime.projections.ensure_all_active()

    status = status_of(runtime, "queue_view")

    assert status.runner == "never-ran"
    assert status.heartbeat_at is None


def test_a_stopped_runner_shows_as_dead_even_with_no_lag(
    runtime: Runtime, clock: SettableClock
) -> None:
    # given a runner that caught up everything and then stopped
    run_steps(runtime.service, clock, scripted_steps(3))
    runner = runner_for(runtime, heartbeat_seconds=0)
    runner.run_once()
    runner.close()
    assert status_of(runtime, "queue_view").runner == "alive"

    # when its heartbeat is older than the dead-after limit, with nothing to do
    clock.advance(timedelta(seconds=DEAD_AFTER_SECONDS + 1))
    status = status_of(runtime, "queue_view")

    # then it is shown as dead: zero lag does not hide a dead runner
    assert status.lag_events == 0
    assert status.lag_seconds == 0
    assert status.runner == "dead"
    assert status.heartbeat_age_seconds == pytest.approx(DEAD_AFTER_SECONDS + 1)


def test_an_idle_runner_keeps_heartbeating_and_stays_alive(
    runtime: Runtime, clock: SettableClock
) -> None:
    runner = runner_for(runtime, heartbeat_seconds=0)
    runner.run_once()
    first = status_of(runtime, "audit_trail").heartbeat_at

    clock.advance(timedelta(seconds=DEAD_AFTER_SECONDS * 3))
    runner.run_once()  # nothing to process: only a heartbeat
    runner.close()

    status = status_of(runtime, "audit_trail")
    assert first is not None
    assert status.heartbeat_at == first + timedelta(seconds=DEAD_AFTER_SECONDS * 3)
    assert status.runner == "alive"
    assert status.runner_id == runner.runner_id


def test_recent_events_per_second_reflect_the_last_heartbeat_window(
    runtime: Runtime, clock: SettableClock
) -> None:
    window = 0.3
    runner = runner_for(runtime, heartbeat_seconds=window)
    runner.run_once()
    assert status_of(runtime, "queue_view").events_per_second is None

    run_steps(runtime.service, clock, scripted_steps(5))
    time.sleep(window)
    runner.run_once()
    busy = status_of(runtime, "queue_view").events_per_second
    time.sleep(window)
    runner.run_once()
    idle = status_of(runtime, "queue_view").events_per_second
    runner.close()

    assert busy is not None
    assert busy > 0
    assert idle == 0


def test_lag_in_events_and_seconds_counts_what_is_waiting(
    runtime: Runtime, clock: SettableClock
) -> None:
    runner = runner_for(runtime, heartbeat_seconds=0)
    runner.run_once()
    runner.close()
    run_steps(runtime.service, clock, scripted_steps(2))
    waiting = runtime.projections.source.head()
    oldest = runtime.recorder.select_records(None, 1)[0]
    clock.advance(timedelta(seconds=90))

    status = status_of(runtime, "queue_view")

    assert (status.checkpoint, status.head, status.lag_events) == (0, waiting, waiting)
    expected = clock.now() - datetime.fromisoformat(oldest.recorded_at)
    assert status.lag_seconds == pytest.approx(expected.total_seconds())
    assert status.lag_seconds >= 90


def test_a_runner_thread_keeps_up_with_appends_and_stops_cleanly(
    runtime: Runtime, clock: SettableClock
) -> None:
    runner = runner_for(
        runtime, runtime.local_wakeup, poll_seconds=5, heartbeat_seconds=0.05
    )
    runtime.projections.ensure_all_active()
    thread = runner.start_thread()
    try:
        run_steps(runtime.service, clock, scripted_steps(6))
        head = runtime.projections.source.head()
        for key in ("queue_view", "audit_trail"):
            wait_until(lambda key=key: status_of(runtime, key).checkpoint == head)
    finally:
        runner.stop.set()
        runtime.local_wakeup.notify()
        thread.join(timeout=10)
    assert not thread.is_alive()
    # (alive/dead is judged on the settable clock, which the steps moved on)
    assert status_of(runtime, "queue_view").runner_id == runner.runner_id


def test_on_sqlite_a_second_runner_stands_by_until_the_first_stops(
    sqlite_url: str, clock: SettableClock
) -> None:
    # given two runners (as two processes would be) on one SQLite file
    first_rt, second_rt = (
        start_runtime(sqlite_url, clock),
        start_runtime(sqlite_url, clock),
    )
    try:
        run_steps(first_rt.service, clock, scripted_steps(3))
        first = runner_for(first_rt, heartbeat_seconds=0)
        second = runner_for(second_rt, heartbeat_seconds=0)
        assert first.run_once() > 0

        # when the second one runs while the first holds the locks
        run_steps(first_rt.service, clock, scripted_steps(1, seed=8))
        assert second.run_once() == 0
        assert status_of(first_rt, "queue_view").runner_id == first.runner_id

        # then it takes over once the first one is gone
        first.close()
        assert second.run_once() > 0
        second.close()
        status = status_of(second_rt, "queue_view")
        assert status.runner_id == second.runner_id
        assert status.lag_events == 0
    finally:
        first_rt.close()
        second_rt.close()


class FlakyWakeup(LocalWakeup):
    """A wake-up whose connection fails once (as a LISTEN connection can)."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = ["LISTEN OperationalError: connection lost"]

    def take_failures(self) -> list[str]:
        failures, self.failures = self.failures, []
        return failures


def test_a_lost_wakeup_connection_is_shown_as_an_interruption(
    runtime: Runtime,
) -> None:
    runner = runner_for(runtime, FlakyWakeup(), poll_seconds=0.02)
    runtime.projections.ensure_all_active()
    thread = runner.start_thread()
    try:
        wait_until(lambda: status_of(runtime, "audit_trail").interruptions == 1)
    finally:
        runner.stop.set()
        thread.join(timeout=10)

    for key in ("queue_view", "audit_trail"):
        status = status_of(runtime, key)
        assert status.interruptions == 1
        assert status.last_interruption is not None
        assert status.last_interruption["message"].startswith("LISTEN")
        assert status.error is None

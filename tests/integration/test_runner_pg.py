"""Runners on PostgreSQL: one active per projection, takeover, outages, LISTEN."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy
from sqlalchemy import text

from tests.support.databases import pg_base_url
from tests.support.projections import fresh_digest, live_digest, rows, start_runtime
from tests.support.strategies import Played, run_steps, scripted_steps
from ticketing.projections.locks import LOCK_CLASS, lock_for, lock_id
from ticketing.projections.runner import ProjectionRunner
from ticketing.queries.status import ProjectionStatus, projection_status

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable, Iterator

    from ticketing.clock import SettableClock
    from ticketing.runtime import Runtime

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

KEYS = ("queue_view", "audit_trail")


def named(url: str, application: str) -> str:
    """The URL with an application_name, so a test can find its connections."""
    return f"{url}&application_name={application}"


@pytest.fixture
def admin() -> Iterator[sqlalchemy.Engine]:
    engine = sqlalchemy.create_engine(pg_base_url(), isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def terminate(admin: sqlalchemy.Engine, sql: str, **params: object) -> int:
    """pg_terminate_backend every pid ``sql`` selects; returns how many."""
    with admin.connect() as conn:
        pids = list(conn.execute(text(sql), params).scalars())
        for pid in pids:
            conn.execute(text("select pg_terminate_backend(:p)"), {"p": pid})
    return len(pids)


def active(runtime: Runtime) -> dict[str, ProjectionStatus]:
    host = runtime.projections
    return {
        s.key: s
        for s in projection_status(host, host.clock.now())
        if s.status == "active"
    }


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, "timed out"
        time.sleep(0.02)
    return time.monotonic() - started


def caught_up(runtime: Runtime) -> Callable[[], bool]:
    def check() -> bool:
        head = runtime.projections.source.head()
        status = active(runtime)
        return all(k in status and status[k].checkpoint == head for k in KEYS)

    return check


def runner_on(runtime: Runtime, runner_id: str, **options: float) -> ProjectionRunner:
    host = runtime.projections
    return ProjectionRunner(
        host,
        list(host.projections.values()),
        runtime.wakeup(),
        runner_id=runner_id,
        batch_size=int(options.pop("batch_size", 50)),
        poll_seconds=options.pop("poll_seconds", 0.1),
        heartbeat_seconds=options.pop("heartbeat_seconds", 0.1),
    )


def stop(runner: ProjectionRunner, writer: Runtime) -> None:
    runner.stop.set()
    with writer.engine.connect() as conn:  # wake it from LISTEN
        conn.execute(text(f"NOTIFY {writer.recorder.channel_name}"))
        conn.commit()


def check_exactly_once(runtime: Runtime) -> None:
    host = runtime.projections
    assert len(rows(host, "audit_trail")) == host.source.head()
    for key in KEYS:
        assert live_digest(host, key) == fresh_digest(host, key)


def serving(runtime: Runtime) -> set[str | None]:
    return {s.runner_id for s in active(runtime).values()}


def lock_holders(admin: sqlalchemy.Engine, writer: Runtime) -> dict[str, list[int]]:
    """Per projection, the backends holding its runner lock."""
    with writer.engine.connect() as conn:
        schema = conn.execute(text("select current_schema()")).scalar_one()
    holders: dict[str, list[int]] = {}
    with admin.connect() as conn:
        for key in KEYS:
            holders[key] = list(
                conn.execute(
                    text(
                        "select pid from pg_locks where locktype = 'advisory' "
                        "and granted and classid = :c and objid = :o"
                    ),
                    {"c": LOCK_CLASS, "o": lock_id(f"{schema}:{key}") % 2**32},
                ).scalars()
            )
    return holders


class TwoRunners:
    """Two runners (as two processes would be) on one database, and a writer."""

    def __init__(
        self, url: str, clock: SettableClock, poll: tuple[float, float]
    ) -> None:
        self.clock = clock
        self.writer = start_runtime(url, clock)
        self.runtimes = [start_runtime(url, clock), start_runtime(url, clock)]
        self.runners = [
            runner_on(rt, name, poll_seconds=p)
            for rt, name, p in zip(
                self.runtimes, ("first", "second"), poll, strict=True
            )
        ]
        self.played = Played()
        self.threads: list[threading.Thread] = []

    def append(self, tickets: int, seed: int) -> None:
        run_steps(
            self.writer.service, self.clock, scripted_steps(tickets, seed), self.played
        )

    def start(self, index: int) -> None:
        self.threads.append(self.runners[index].start_thread())

    def close(self) -> None:
        for runner in self.runners:
            stop(runner, self.writer)
        for thread in self.threads:
            thread.join(timeout=10)
        for rt in (self.writer, *self.runtimes):
            rt.close()


def test_a_standby_runner_takes_over_when_the_active_one_stops(
    pg_url: str, clock: SettableClock
) -> None:
    pair = TwoRunners(pg_url, clock, poll=(0.1, 0.05))
    try:
        # given an active runner and a standby
        pair.append(10, seed=0)
        pair.start(0)
        wait_until(caught_up(pair.writer))
        pair.start(1)
        pair.append(5, seed=1)
        wait_until(caught_up(pair.writer))
        time.sleep(0.3)
        assert serving(pair.writer) == {"first"}

        # when the active one stops (its locks go with it)
        stop(pair.runners[0], pair.writer)
        pair.threads[0].join(timeout=10)

        # then the standby serves every projection, exactly once
        wait_until(lambda: serving(pair.writer) == {"second"})
        pair.append(5, seed=2)
        wait_until(caught_up(pair.writer))
        check_exactly_once(pair.writer)
    finally:
        pair.close()


def test_one_runner_per_projection_holds_the_lock_after_a_lock_connection_dies(
    pg_url: str, clock: SettableClock, admin: sqlalchemy.Engine
) -> None:
    pair = TwoRunners(pg_url, clock, poll=(0.1, 0.05))
    try:
        pair.append(10, seed=0)
        pair.start(0)
        wait_until(caught_up(pair.writer))
        pair.start(1)
        time.sleep(0.3)
        first_locks = lock_holders(admin, pair.writer)
        assert all(len(pids) == 1 for pids in first_locks.values())

        # when the active runner's lock connection dies
        killed = terminate(
            admin,
            "select distinct pid from pg_locks where locktype = 'advisory' "
            "and classid = :c and pid = any(:p)",
            c=LOCK_CLASS,
            p=[pids[0] for pids in first_locks.values()],
        )
        assert killed == 1
        pair.append(5, seed=1)

        # then (whichever runner wins each lock) each projection has one holder,
        # one serving runner, and its rows stay exact
        wait_until(
            lambda: all(len(p) == 1 for p in lock_holders(admin, pair.writer).values())
        )
        wait_until(caught_up(pair.writer))
        before = {k: s.runner_id for k, s in active(pair.writer).items()}
        pair.append(3, seed=2)
        wait_until(caught_up(pair.writer))
        time.sleep(0.3)
        assert {k: s.runner_id for k, s in active(pair.writer).items()} == before
        assert all(len(p) == 1 for p in lock_holders(admin, pair.writer).values())
        check_exactly_once(pair.writer)
    finally:
        pair.close()


@pytest.mark.slow
def test_a_standby_takes_over_when_the_active_runner_process_is_killed(
    pg_url: str, clock: SettableClock
) -> None:
    # given `ticketing projections run` as its own process, serving everything
    writer = start_runtime(pg_url, clock)
    played = run_steps(writer.service, clock, scripted_steps(10))
    env = {**os.environ, "TICKETING_DB_URL": pg_url}
    process = subprocess.Popen(  # noqa: S603 - our own console script
        [str(Path(sys.executable).with_name("ticketing")), "projections", "run"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    standby_rt = start_runtime(pg_url, clock)
    standby = runner_on(standby_rt, "standby", poll_seconds=0.05)
    thread = None
    try:
        wait_until(caught_up(writer))
        wait_until(lambda: None not in serving(writer))
        other = serving(writer)
        assert len(other) == 1
        assert other != {"standby"}
        thread = standby.start_thread()
        time.sleep(0.3)
        assert serving(writer) == other

        # when that process is killed outright
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

        # then the standby takes over and keeps the views exact
        run_steps(writer.service, clock, scripted_steps(5, seed=4), played)
        wait_until(lambda: serving(writer) == {"standby"})
        wait_until(caught_up(writer))
        check_exactly_once(writer)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        stop(standby, writer)
        if thread is not None:
            thread.join(timeout=10)
        writer.close()
        standby_rt.close()


def test_a_runner_recovers_from_terminated_connections_and_reports_it(
    pg_url: str, clock: SettableClock, admin: sqlalchemy.Engine
) -> None:
    # given a runner (whose connections we can find by name) with a backlog
    name = f"runner-{uuid.uuid4().hex[:12]}"
    writer = start_runtime(pg_url, clock)
    runtime = start_runtime(named(pg_url, name), clock)
    played: Played = run_steps(writer.service, clock, scripted_steps(60))
    runner = runner_on(runtime, "outage", batch_size=10)
    thread = runner.start_thread()
    try:
        # when all of its connections are terminated, repeatedly, mid-run
        killed = 0
        for _ in range(3):
            time.sleep(0.15)
            killed += terminate(
                admin,
                "select pid from pg_stat_activity where application_name = :n",
                n=name,
            )
        assert killed > 0
        run_steps(writer.service, clock, scripted_steps(5, seed=3), played)

        # then it recovers by itself, and its status shows the interruption
        wait_until(caught_up(writer))
        status = active(writer)
        for key in KEYS:
            assert status[key].interruptions >= 1
            assert status[key].last_interruption is not None
            assert status[key].error is None
            assert status[key].runner == "alive"
        check_exactly_once(writer)
        assert thread.is_alive()
    finally:
        stop(runner, writer)
        thread.join(timeout=10)
        writer.close()
        runtime.close()


def test_listen_wakes_an_idle_runner_long_before_its_poll_interval(
    pg_url: str, clock: SettableClock
) -> None:
    writer = start_runtime(pg_url, clock)
    runtime = start_runtime(pg_url, clock)
    runner = runner_on(runtime, "listener", poll_seconds=60)
    runtime.projections.ensure_all_active()
    thread = runner.start_thread()
    try:
        wait_until(lambda: all(s.heartbeat_at for s in active(writer).values()))
        time.sleep(0.5)  # the runner is now waiting on LISTEN (or on its 60 s poll)

        # when another process appends (its in-process wake-up does not reach us)
        run_steps(writer.service, clock, scripted_steps(2))

        # then NOTIFY wakes the runner: caught up in far less than the poll interval
        assert wait_until(caught_up(writer), timeout=15) < 15
    finally:
        stop(runner, writer)
        thread.join(timeout=10)
        writer.close()
        runtime.close()


def test_runner_locks_of_two_schemas_in_one_database_are_independent(
    pg_url: str,
) -> None:
    other_schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = sqlalchemy.create_engine(pg_base_url())
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{other_schema}"'))
    other_url = pg_url.rsplit("search_path%3D", 1)[0] + f"search_path%3D{other_schema}"
    engines = [sqlalchemy.create_engine(u) for u in (pg_url, other_url)]
    locks = [lock_for(e) for e in engines]
    try:
        assert [lock.try_acquire("queue_view") for lock in locks] == [True, True]
        same_schema = lock_for(engines[0])
        assert not same_schema.try_acquire("queue_view")
        same_schema.release_all()
    finally:
        for lock in locks:
            lock.release_all()
        for engine in engines:
            engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{other_schema}" CASCADE'))
        admin.dispose()
